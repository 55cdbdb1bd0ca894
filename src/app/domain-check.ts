/**
 * Whether the domain a plan creates a tenant on, or moves it onto, is proven to be the
 * customer's: its `_pbxsync` TXT record (see `credentials/domain-token.ts`), unless it lies
 * under the ISP's own namespace. Done by the caller of the pure core, since it is DNS.
 */
import { verificationRecord } from '../credentials/domain-token.js';
import type { DomainCheck } from '../model/plan.js';
import type { TenantConfig } from '../model/tenant-config.js';
import { inNamespace } from '../policy/isp-policy.js';
import { loadIspPolicy } from '../policy/load-isp-config.js';

export async function checkNewDomain(
  config: TenantConfig,
  masterKey: Buffer,
  env: NodeJS.ProcessEnv,
  reason: DomainCheck['reason'],
  dnsServers?: readonly string[],
): Promise<DomainCheck> {
  const isp = await loadIspPolicy(env);
  const record = verificationRecord(masterKey, config.domain);
  const base = { domain: config.domain, reason, record };
  if (inNamespace(isp, config.domain)) return { ...base, state: 'namespace', detail: '' };
  void dnsServers;
  return { ...base, state: 'missing', detail: 'DNS verification is not available in this build' };
}
