/**
 * Whether a tenant's domain is verified, as data for any caller: `domain verify` prints it,
 * and `plan`/`apply` can show the state and refuse an unverified domain. A domain at or under
 * one of the ISP's namespaces needs no record (the ISP controls that DNS); any other needs the
 * TXT record derived from the master key (`verificationRecord`).
 */
import { verificationRecord, type VerificationRecord } from '../credentials/domain-token.js';
import { inNamespace, type IspPolicy } from '../policy/isp-policy.js';
import type { DnsOptions } from './query.js';
import { lookupVerification, type VerificationLookup } from './verification-lookup.js';

export type DomainState = 'verified' | 'namespace' | 'missing' | 'wrong-value' | 'failure';

export interface DomainVerification {
  readonly state: DomainState;
  readonly domain: string;
  /** The record the domain needs (also for a namespace domain, which needs none). */
  readonly record: VerificationRecord;
  /** One line: what was found, at which server. */
  readonly detail: string;
  /** The DNS lookup, unless the domain is in a namespace. */
  readonly lookup?: VerificationLookup;
  /** The ISP namespace the domain is under (state `namespace`). */
  readonly namespace?: string;
}

/** The ISP namespace `domain` is at or under, if any. */
export function namespaceOf(policy: IspPolicy, domain: string): string | undefined {
  return policy.namespaces.find((n) => inNamespace({ ...policy, namespaces: [n] }, domain));
}

/**
 * Looks the record up at `servers` (`host[:port]`; default: the ISP configuration's
 * `dns.servers`, and the system's resolvers when that is empty), each query limited to the
 * configuration's `dns.timeout_seconds`.
 */
export async function verifyDomain(
  masterKey: Buffer,
  domain: string,
  policy: IspPolicy,
  servers?: readonly string[],
  options: Pick<DnsOptions, 'tries'> = {},
): Promise<DomainVerification> {
  const record = verificationRecord(masterKey, domain);
  const namespace = namespaceOf(policy, domain);
  if (namespace !== undefined) {
    return { state: 'namespace', domain, record, namespace, detail: `${domain} is under the ISP's namespace ${namespace}, so it needs no verification record` };
  }
  const lookup = await lookupVerification(record, { ...options, servers: servers ?? policy.dns.servers, timeoutMs: policy.dns.timeoutMs });
  return { state: lookup.state, domain, record, detail: lookup.detail, lookup };
}

/** Whether plan/apply may go ahead with the domain. */
export function isVerified(v: DomainVerification): boolean {
  return v.state === 'verified' || v.state === 'namespace';
}
