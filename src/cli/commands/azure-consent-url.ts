/**
 * `pbxsync azure consent-url FILE`: the admin-consent URL of the tenant's Entra app and the
 * application permissions it needs. Needs no secret: when only unset `${VAR}`s stop the file
 * from loading, they are left as written, so the command works before the secret is wired in.
 */
import type { Command } from 'commander';
import { silentLogger } from '../../app/logger.js';
import { loadConfig } from '../../app/prepare-plan.js';
import { TenantFileError } from '../../config/load-tenant.js';
import type { TenantConfig } from '../../model/tenant-config.js';
import { adminConsentUrl, APPLICATION_PERMISSIONS } from '../../directory/azure/consent.js';
import { UserError } from '../../errors.js';
import { EXIT_OK } from '../exit-codes.js';
import { terminalText } from '../../render/safe-text.js';
import { out, stderrLogger } from '../output.js';

export default async function consentUrl(file: string, _options: unknown, _command: Command): Promise<number> {
  const config = await loadWithoutSecrets(file);
  const source = config.source;
  if (source.type !== 'azure') throw new UserError(`${file}: source.type is ${source.type}; admin consent applies to an azure source`);
  // An id that came from the environment is never printed: the URL then shows its reference.
  out(`${adminConsentUrl({ ...source, tenantId: source.labels.tenantId, clientId: source.labels.clientId }).replace(/%24%7B([A-Za-z0-9_]+)%7D/g, '$${$1}')}\n`);
  if (source.labels.tenantId !== source.tenantId || source.labels.clientId !== source.clientId) {
    out('(put the values of the ${…} references into the URL before sending it)\n');
  }
  out(`\nA Global Administrator (or Privileged Role Administrator) of tenant ${terminalText(source.labels.tenantId)} opens this URL and accepts.\n`);
  out(`Application permissions (Microsoft Graph) that app ${terminalText(source.labels.clientId)} must list under API permissions:\n`);
  for (const p of APPLICATION_PERMISSIONS) out(`  ${p}\n`);
  return EXIT_OK;
}

/** Loads the file; if only unset variables stand in the way, again with those left as `${NAME}`. */
async function loadWithoutSecrets(file: string): Promise<TenantConfig> {
  try {
    return await loadConfig(file, process.env, stderrLogger());
  } catch (err) {
    const onlyUnset =
      err instanceof TenantFileError && err.problems.every((p) => p.severity !== 'error' || /^environment variable \S+ is not set$/.test(p.message));
    if (!onlyUnset) throw err;
    const env = new Proxy(process.env, { get: (target, name: string) => target[name] ?? `\${${name}}` });
    return loadConfig(file, env, silentLogger);
  }
}
