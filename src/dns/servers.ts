/**
 * Which DNS servers a lookup asks: `host[:port]` entries (from `--dns-server` or the ISP
 * configuration's `dns.servers`), or the system's resolvers when there are none. Node's
 * resolver takes only addresses, so a server given by name is looked up first (through the
 * system, bounded). Each endpoint keeps the label the user wrote, so that a failure names the
 * server as the user knows it.
 */
import { isIP } from 'node:net';
import { lookup, Resolver } from 'node:dns/promises';
import { UserError } from '../errors.js';
import { seconds } from './seconds.js';

export interface ServerAddress {
  readonly host: string;
  readonly port: number;
}

export interface Endpoint {
  /** How messages name it: `127.0.0.1:5353`, `ns1.example.net:53`, `[::1]:53`. */
  readonly label: string;
  /** What `Resolver.setServers` takes: `127.0.0.1:5353`, `[::1]:53`. */
  readonly address: string;
}

export interface EndpointProblem {
  readonly server: string;
  readonly what: string;
}

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?)*\.?$/i;

/** `127.0.0.1`, `127.0.0.1:5353`, `[::1]:53`, `::1`, `ns1.example.net:53`; throws a UserError otherwise. */
export function parseServer(text: string): ServerAddress {
  const t = text.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(t);
  // A bare IPv6 address has several colons and no port: `::1`, `2001:db8::53`.
  const [host, port] = bracketed ? [bracketed[1]!, bracketed[2]] : isIP(t) === 6 ? [t, undefined] : splitPort(t);
  const number = port === undefined ? 53 : Number(port);
  const valid = (isIP(host) !== 0 || (!bracketed && HOST_NAME.test(host))) && Number.isInteger(number) && number >= 1 && number <= 65535;
  if (!valid)
    throw new UserError(
      `${JSON.stringify(text)} is not a DNS server`,
      'write host or host:port, e.g. 192.0.2.53, 192.0.2.53:5353, [2001:db8::53]:53 or ns1.example.net',
    );
  return { host: host.replace(/\.$/, ''), port: number };
}

function splitPort(text: string): [string, string | undefined] {
  const at = text.lastIndexOf(':');
  if (at < 0) return [text, undefined];
  const port = text.slice(at + 1);
  return /^\d{1,5}$/.test(port) ? [text.slice(0, at), port] : [text, undefined];
}

function formatServer(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * The endpoints to ask, in order, and the servers that could not be used (a name that does
 * not resolve). An empty list means the system's resolvers (/etc/resolv.conf).
 */
export async function resolveEndpoints(servers: readonly string[], timeoutMs: number): Promise<{ endpoints: Endpoint[]; problems: EndpointProblem[] }> {
  if (servers.length === 0) return { endpoints: systemEndpoints(), problems: [] };
  const endpoints: Endpoint[] = [];
  const problems: EndpointProblem[] = [];
  for (const text of servers) {
    const { host, port } = parseServer(text);
    const label = formatServer(host, port);
    if (isIP(host) !== 0) {
      endpoints.push({ label, address: label });
      continue;
    }
    const found = await addressesOf(host, timeoutMs);
    if (typeof found === 'string') problems.push({ server: label, what: found });
    else endpoints.push(...found.map((a) => ({ label: `${label} (${a})`, address: formatServer(a, port) })));
  }
  return { endpoints, problems };
}

/** The system's resolvers as Node reads them; c-ares' own default (127.0.0.1) when none is configured. */
function systemEndpoints(): Endpoint[] {
  return new Resolver().getServers().map((s) => {
    const { host, port } = parseServer(s);
    const label = formatServer(host, port);
    return { label, address: label };
  });
}

/** A DNS server's addresses through the system resolver, or why there are none. getaddrinfo cannot be cancelled, so the wait is bounded here. */
async function addressesOf(host: string, timeoutMs: number): Promise<string[] | string> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`its name did not resolve within ${seconds(timeoutMs)}`), timeoutMs);
  });
  const found = lookup(host, { all: true }).then(
    (list) => list.map((a) => a.address),
    (err: NodeJS.ErrnoException) => `its name does not resolve (${err.code ?? err.message})`,
  );
  try {
    return await Promise.race([found, late]);
  } finally {
    clearTimeout(timer);
  }
}
