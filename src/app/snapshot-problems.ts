/**
 * What `validate` can check against the directory without going online: for a snapshot
 * source, that the snapshot reads, and which `users:` overrides match nobody in it.
 */
import { overridesMatchingNobody } from '../config/semantic-rules.js';
import type { Problem } from '../config/problem.js';
import { locatorFor, toProblem } from '../config/yaml-positions.js';
import { readSnapshot } from '../directory/snapshot-source.js';
import { UserError } from '../errors.js';
import type { TenantConfig } from '../model/tenant-config.js';

export async function snapshotProblems(config: TenantConfig): Promise<Problem[]> {
  if (config.source.type !== 'snapshot') return [];
  try {
    const snapshot = await readSnapshot(config.source.path);
    return overridesMatchingNobody(config, snapshot.users);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    const locator = locatorFor(config, config.file);
    return [toProblem({ severity: 'error', path: ['source', 'path'], message: err.message, hint: err.hint }, locator)];
  }
}
