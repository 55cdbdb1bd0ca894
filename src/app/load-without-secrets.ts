/**
 * A tenant file for commands that need no secret (`domain verify`, `azure consent-url`), which
 * come before the tenant's secrets are wired in: when only unset `${VAR}`s stop the file from
 * loading, it is loaded again with them left as written.
 */
import { TenantFileError } from '../config/load-tenant.js';
import type { TenantConfig } from '../model/tenant-config.js';
import { silentLogger, type Logger } from './logger.js';
import { loadConfig } from './prepare-plan.js';

export async function loadWithoutSecrets(file: string, log: Logger): Promise<TenantConfig> {
  try {
    return await loadConfig(file, process.env, log);
  } catch (err) {
    const onlyUnset =
      err instanceof TenantFileError && err.problems.every((p) => p.severity !== 'error' || /^environment variable \S+ is not set$/.test(p.message));
    if (!onlyUnset) throw err;
    const env = new Proxy(process.env, { get: (target, name: string) => target[name] ?? `\${${name}}` });
    return loadConfig(file, env, silentLogger);
  }
}
