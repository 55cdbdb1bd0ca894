/**
 * The address of record under which usrloc keeps a subscriber's registrations.
 *
 * With `use_domain = 1` (examples/kamailio/kamailio.cfg) the registrar saves a REGISTER under
 * `user@host` of its To URI, without the `sip:` scheme, lower-cased (registrar's
 * case_sensitive is off); the REGISTER route only accepts a To host that is one of the
 * tenants' domains, so the host is the tenant's SIP domain. Without use_domain it would be
 * the bare user, and alice@acme.com and alice@globex.com would share one record, which is
 * why the example config turns it on and pbxsync always names the domain.
 */
export function registrationAor(username: string, domain: string): string {
  return `${username}@${domain}`.toLowerCase();
}
