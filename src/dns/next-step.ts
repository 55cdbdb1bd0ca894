/**
 * What to do after a verification check, in words for the ISP's operator: who acts (the
 * customer's DNS admin creates the record; the ISP fixes its own resolvers), and how long a
 * new record can take to be seen. Shared by `domain verify` and whatever shows the state later.
 */
import type { DomainVerification } from './verify-domain.js';

const PROPAGATION = 'a new or changed record can take up to its TTL (often an hour) to be seen by every resolver';

export function nextStep(v: DomainVerification): string {
  const zone = `the zone of ${v.domain}`;
  switch (v.state) {
    case 'verified':
      return 'nothing to do; keep the record in place';
    case 'namespace':
      return 'nothing to do';
    case 'missing':
      return v.lookup?.state === 'missing' && v.lookup.reason === 'no-verification-txt'
        ? `the customer's DNS admin adds the record above in ${zone}, beside the TXT records that are there (they stay); ${PROPAGATION}`
        : `the customer's DNS admin creates the record above in ${zone}; ${PROPAGATION}`;
    case 'wrong-value':
      return `the customer's DNS admin replaces that value with the one above (a token copied from another domain or made for another ISP does not verify this one); ${PROPAGATION}`;
    case 'failure':
      return failureStep(v);
  }
}

/** A failure says nothing about the record; who acts depends on what failed. */
function failureStep(v: DomainVerification): string {
  const codes = v.lookup?.state === 'failure' ? v.lookup.failures.map((f) => f.code) : [];
  const servfail = codes.includes('ESERVFAIL')
    ? `; a SERVFAIL that persists points at the DNS of ${v.domain} itself (its name servers or its DNSSEC signatures): tell the customer's DNS admin`
    : '';
  return `this says nothing about the record: check the DNS servers asked (--dns-server, or dns.servers in the ISP configuration)${servfail}; then check again`;
}
