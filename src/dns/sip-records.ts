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

const SIP_SERVICES = ['_sip._udp', '_sip._tcp', '_sips._tcp'] as const;

interface Findings {
  /** What the domain's records point at, for the warning: `_sip._udp.acme.com SRV → pbx.other.net:5060`. */
  readonly seen: string[];
  /** Lookups that failed: the check is then incomplete. */
  readonly failures: string[];
  /** Whether one of the domain's own lookups failed: then "it has no record" cannot be said. */
  readonly domainFailed: boolean;
}

/** Addresses of a name, and the lookups that failed (absent records are no failure). */
interface Addresses {
  readonly addresses: readonly string[];
  readonly failures: readonly string[];
}

interface SrvTarget {
  readonly record: string;
  /** Lower case, no final dot; '' for "." (RFC 2782: the service is not offered here). */
  readonly target: string;
  readonly port: number;
}

/** Warnings (one line each); none when a record points at the registrar or no registrar is configured. */
export async function checkSipRecords(domain: string, registrarHosts: readonly string[], options: DnsOptions = {}): Promise<string[]> {
  if (registrarHosts.length === 0) return [];
  const client = dnsClient(options);
  const d = bare(domain);
  // Lookups that depend on no other go out together, so a silent server costs one time limit per round, not per query.
  const [registrar, srv, own] = await Promise.all([registrarOf(client, registrarHosts), srvRecords(client, d), addressesOf(client, d)]);
  const names = new Set(registrarHosts.map(bare).filter((h) => isIP(h) === 0));
  if (srv.targets.some((t) => names.has(t.target))) return [];
  const reaches = (a: Addresses) => a.addresses.some((x) => registrar.addresses.includes(x));
  // The SRV targets' addresses, then the domain's own A/AAAA (the fallback of RFC 3263).
  const targets = await Promise.all([...new Set(srv.targets.map((t) => t.target).filter((t) => t !== ''))].map((t) => addressesOf(client, t)));
  if (targets.some(reaches) || reaches(own)) return [];
  const seen = [
    ...srv.targets.map((t) => `${t.record} SRV → ${t.target === '' ? '. (service not offered)' : `${t.target}:${t.port}`}`),
    ...own.addresses.map((a) => `${d} ${isIP(a) === 6 ? 'AAAA' : 'A'} → ${a}`),
  ];
  const failures = [...registrar.failures, ...srv.failures, ...own.failures, ...targets.flatMap((t) => t.failures)];
  return warnings(d, registrarHosts, { seen, failures, domainFailed: srv.failures.length + own.failures.length > 0 });
}

/** The registrar's addresses: given as such, or looked up. */
async function registrarOf(client: DnsClient, hosts: readonly string[]): Promise<Addresses> {
  const looked = await Promise.all(
    hosts.map(bare).map((h) => (isIP(h) !== 0 ? Promise.resolve<Addresses>({ addresses: [canonicalAddress(h)], failures: [] }) : addressesOf(client, h))),
  );
  return { addresses: looked.flatMap((l) => l.addresses), failures: looked.flatMap((l) => l.failures) };
}

/** The SRV records of the three services. */
async function srvRecords(client: DnsClient, domain: string): Promise<{ targets: SrvTarget[]; failures: string[] }> {
  const names = SIP_SERVICES.map((s) => `${s}.${domain}`);
  const answers = await Promise.all(names.map((name) => client.query('SRV', name)));
  const targets: SrvTarget[] = [];
  const failures: string[] = [];
  answers.forEach((answer, i) => {
    if (answer.kind === 'failure') failures.push(`${names[i]} SRV: ${failuresText(answer.failures)}`);
    if (answer.kind === 'records') targets.push(...answer.records.map((r) => ({ record: names[i]!, target: bare(r.name), port: r.port })));
  });
  return { targets, failures };
}

async function addressesOf(client: DnsClient, name: string): Promise<Addresses> {
  const [a, aaaa] = await Promise.all([client.query('A', name), client.query('AAAA', name)]);
  const addresses: string[] = [];
  const failures: string[] = [];
  for (const [type, answer] of [
    ['A', a],
    ['AAAA', aaaa],
  ] as const) {
    if (answer.kind === 'records') addresses.push(...answer.records.map(canonicalAddress));
    if (answer.kind === 'failure') failures.push(`${name} ${type}: ${failuresText(answer.failures)}`);
  }
  return { addresses, failures };
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
