/**
 * Whether the domain a plan creates a tenant on, or moves it onto, is proven to be the
 * customer's: its `_pbxsync` TXT record (see `credentials/domain-token.ts`), unless it lies
 * under the ISP's own namespace. Done by the caller of the pure core, since it is DNS.
 */
import { verifyDomain } from '../dns/verify-domain.js';
import type { DomainCheck } from '../model/plan.js';
import type { TenantConfig } from '../model/tenant-config.js';
import { loadIspPolicy } from '../policy/load-isp-config.js';

export async function checkNewDomain(
  config: TenantConfig,
  masterKey: Buffer,
  env: NodeJS.ProcessEnv,
  reason: DomainCheck['reason'],
  dnsServers?: readonly string[],
): Promise<DomainCheck> {
  const isp = await loadIspPolicy(env);
  const v = await verifyDomain(masterKey, config.domain, isp, dnsServers);
  return { domain: config.domain, reason, state: v.state, record: { name: v.record.name, type: 'TXT', value: v.record.value }, detail: v.detail };
}
