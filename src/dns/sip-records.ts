/**
 * The optional SIP records check: phones configured with only the SIP domain (the
 * spreadsheet's default registrar) find the PBX through the domain's DNS, by SRV
 * (`_sip._udp`, `_sip._tcp`, `_sips._tcp`, RFC 3263) or else by the domain's own A/AAAA
 * records. When none of these points at one of the ISP's registrar hosts, the phones will not
 * reach it: that is a warning, never an error (phones may be given the registrar by hand).
 * "Points at" compares names, then addresses, so an SRV target or an A record under another
 * name that resolves to the registrar's address counts too.
 */
import { isIP } from 'node:net';
import { dnsClient, failuresText, type DnsClient, type DnsOptions } from './query.js';

export const SIP_SERVICES = ['_sip._udp', '_sip._tcp', '_sips._tcp'] as const;

interface Findings {
  /** What the domain's records point at, for the warning: `_sip._udp.acme.com SRV → pbx.other.net:5060`. */
  readonly seen: string[];
  /** Lookups that failed: the check is then incomplete. */
  readonly failures: string[];
  /** Whether one of the domain's own lookups failed: then "it has no record" cannot be said. */
  domainFailed: boolean;
  matched: boolean;
}

interface Registrar {
  readonly names: ReadonlySet<string>;
  readonly addresses: ReadonlySet<string>;
}

/** Warnings (one line each); none when a record points at the registrar or no registrar is configured. */
export async function checkSipRecords(domain: string, registrarHosts: readonly string[], options: DnsOptions = {}): Promise<string[]> {
  if (registrarHosts.length === 0) return [];
  const client = dnsClient(options);
  const d = bare(domain);
  const findings: Findings = { seen: [], failures: [], domainFailed: false, matched: false };
  const registrar = await registrarOf(client, registrarHosts, findings);
  const targets = await srvTargets(client, d, registrar, findings);
  if (findings.matched) return [];
  const reaches = (addresses: readonly string[]) => addresses.some((a) => registrar.addresses.has(a));
  // The SRV targets' addresses, then the domain's own A/AAAA (the fallback of RFC 3263).
  for (const target of targets) if (reaches(await addressesOf(client, target, findings))) return [];
  const failedBefore = findings.failures.length;
  const own = await addressesOf(client, d, findings);
  if (reaches(own)) return [];
  findings.domainFailed ||= findings.failures.length > failedBefore;
  findings.seen.push(...own.map((a) => `${d} ${isIP(a) === 6 ? 'AAAA' : 'A'} → ${a}`));
  return warnings(d, registrarHosts, findings);
}

/** The registrar's names, and its addresses (given as such, or looked up). */
async function registrarOf(client: DnsClient, hosts: readonly string[], findings: Findings): Promise<Registrar> {
  const names = new Set<string>();
  const addresses = new Set<string>();
  for (const host of hosts.map(bare)) {
    if (isIP(host) !== 0) {
      addresses.add(canonicalAddress(host));
      continue;
    }
    names.add(host);
    for (const a of await addressesOf(client, host, findings)) addresses.add(a);
  }
  return { names, addresses };
}

/** The SRV targets of the three services; marks a match when one is a registrar name. */
async function srvTargets(client: DnsClient, domain: string, registrar: Registrar, findings: Findings): Promise<string[]> {
  const answers = await Promise.all(SIP_SERVICES.map(async (s) => [`${s}.${domain}`, await client.query('SRV', `${s}.${domain}`)] as const));
  const targets = new Set<string>();
  for (const [name, answer] of answers) {
    if (answer.kind === 'failure') {
      findings.failures.push(`${name} SRV: ${failuresText(answer.failures)}`);
      findings.domainFailed = true;
    }
    if (answer.kind !== 'records') continue;
    for (const srv of answer.records) {
      const target = bare(srv.name);
      // RFC 2782: a target of "." says the service is not offered at this domain.
      findings.seen.push(`${name} SRV → ${target === '' ? '. (service not offered)' : `${target}:${srv.port}`}`);
      if (registrar.names.has(target)) findings.matched = true;
      if (target !== '') targets.add(target);
    }
  }
  return [...targets];
}

/** A and AAAA addresses of a name; failed lookups are noted, absent records are not. */
async function addressesOf(client: DnsClient, name: string, findings: Findings): Promise<string[]> {
  const [a, aaaa] = await Promise.all([client.query('A', name), client.query('AAAA', name)]);
  const found: string[] = [];
  for (const [type, answer] of [['A', a], ['AAAA', aaaa]] as const) {
    if (answer.kind === 'records') found.push(...answer.records.map(canonicalAddress));
    if (answer.kind === 'failure') findings.failures.push(`${name} ${type}: ${failuresText(answer.failures)}`);
  }
  return found;
}

function warnings(domain: string, registrarHosts: readonly string[], findings: Findings): string[] {
  const failed = findings.failures.join('; ');
  // Nothing seen because the domain's records could not be asked: say that, not "it has no records".
  if (findings.seen.length === 0 && findings.domainFailed) return [`the SIP records of ${domain} could not be checked: ${failed}`];
  const what = findings.seen.length === 0 ? `it has no ${SIP_SERVICES.join(', ')} SRV record and no A/AAAA record` : findings.seen.join('; ');
  const registrar = bare(registrarHosts[0]!);
  const example = isIP(registrar) === 0 ? `"_sip._udp.${domain}. 3600 IN SRV 10 0 5060 ${registrar}."` : `an A record of ${domain} → ${registrar}`;
  const list = [
    `no SIP record of ${domain} points at the registrar (${registrarHosts.join(', ')}): ${what}; phones set up with only the SIP domain will not reach the PBX (the customer's DNS admin can add ${example}, or give the phones the registrar as outbound proxy)`,
  ];
  if (findings.failures.length > 0) list.push(`the SIP records check of ${domain} is incomplete: ${failed}`);
  return list;
}

/** One spelling per address, so that `2001:DB8:0::7` in the ISP configuration equals the resolver's `2001:db8::7`. */
function canonicalAddress(address: string): string {
  return isIP(address) === 6 ? new URL(`http://[${address}]/`).hostname.slice(1, -1) : address;
}

function bare(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}
