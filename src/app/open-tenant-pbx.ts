/**
 * The tenant's PBX database, opened as its tenant file names it, under the ISP's file policy
 * (mode and group of a new SQLite file); loose-mode warnings go to the log.
 */
import { dirname } from 'node:path';
import type { TenantConfig } from '../model/tenant-config.js';
import { openPbx } from '../pbx/open-pbx.js';
import type { PbxProvider } from '../pbx/provider.js';
import type { IspPolicy } from '../policy/isp-policy.js';
import type { Logger } from './logger.js';

export function openTenantPbx(config: TenantConfig, isp: IspPolicy, log: Logger): Promise<PbxProvider> {
  const { files } = isp;
  return openPbx(config.pbx.url, dirname(config.file), {
    label: config.labels.pbxUrl,
    fileMode: files.pbxMode,
    ...(files.pbxGroup !== undefined ? { fileGroup: files.pbxGroup } : {}),
    onWarning: (message) => log.warn(`warning: ${message}`),
  });
}
