/** Picks the directory source named by the tenant file. */
import type { DirectorySource } from '../directory/source.js';
import { SnapshotSource } from '../directory/snapshot-source.js';
import { UserError } from '../errors.js';
import type { TenantConfig } from '../model/tenant-config.js';

export function openSource(config: TenantConfig): DirectorySource {
  const source = config.source;
  switch (source.type) {
    case 'snapshot':
      return new SnapshotSource(source.path);
    case 'azure':
      throw new UserError('the azure source is not available in this version', 'use a snapshot source (source.type: snapshot)');
    default: {
      const never: never = source;
      throw new Error(`unknown source ${JSON.stringify(never)}`);
    }
  }
}
