/**
 * The DNS record that proves a customer owns a domain: `_pbxsync.<domain> TXT
 * "pbxsync-verification=<token>"`. The token is derived from the master key and the domain,
 * so no state is needed, the same domain always gets the same record, and nobody without the
 * ISP's key can tell which record another ISP would ask for.
 */
import { createHmac } from 'node:crypto';

export interface VerificationRecord {
  /** `_pbxsync.acme.com` */
  readonly name: string;
  readonly type: 'TXT';
  /** `pbxsync-verification=…` */
  readonly value: string;
}

export const VERIFICATION_LABEL = '_pbxsync';
export const VERIFICATION_PREFIX = 'pbxsync-verification=';

export function verificationRecord(masterKey: Buffer, domain: string): VerificationRecord {
  const d = domain.toLowerCase().replace(/\.$/, '');
  const token = createHmac('sha256', masterKey).update(`pbxsync domain verification v1\u0000${d}`).digest('hex').slice(0, 32);
  return { name: `${VERIFICATION_LABEL}.${d}`, type: 'TXT', value: `${VERIFICATION_PREFIX}${token}` };
}

/** How the record reads in a zone file or a DNS provider's form. */
export function recordText(record: VerificationRecord): string {
  return `${record.name}. 3600 IN TXT "${record.value}"`;
}
