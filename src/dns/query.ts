/**
 * A small DNS client on Node's resolver (c-ares): one record type for one name, asked of each
 * server in turn, each query bounded in time. Servers are asked one by one (not handed to
 * c-ares as a list) so that a failure names the server it happened at, and an answer says
 * which server gave it. NXDOMAIN and NODATA are answers and end the lookup; SERVFAIL, REFUSED,
 * a timeout or a refused connection move on to the next server.
 */
import type { SrvRecord } from 'node:dns';
import { Resolver } from 'node:dns/promises';
import { errorKind, failureText } from './dns-errors.js';
import { resolveEndpoints, type Endpoint } from './servers.js';

export interface DnsOptions {
  /** `host[:port]` entries; empty or unset: the system's resolvers. */
  readonly servers?: readonly string[];
  /** Time limit of one query at one server, all its tries included. Default 5000. */
  readonly timeoutMs?: number;
  /** How many times the query is sent to a server within that limit. Default 2. */
  readonly tries?: number;
}

interface RecordsOf {
  /** One entry per TXT record, each the record's strings (chunks) as they came. */
  readonly TXT: string[][];
  readonly SRV: SrvRecord[];
  readonly A: string[];
  readonly AAAA: string[];
}
type RecordType = keyof RecordsOf;

export interface ServerFailure {
  readonly server: string;
  /** The resolver's code (`ESERVFAIL`, `ETIMEOUT`, …). */
  readonly code: string;
  /** `answered SERVFAIL (…)`, `did not answer within 5s`. */
  readonly what: string;
}

type DnsAnswer<T extends RecordType> =
  | { readonly kind: 'records'; readonly server: string; readonly records: RecordsOf[T] }
  | { readonly kind: 'nxdomain'; readonly server: string }
  | { readonly kind: 'nodata'; readonly server: string }
  | { readonly kind: 'failure'; readonly failures: readonly ServerFailure[] };

export interface DnsClient {
  query<T extends RecordType>(type: T, name: string): Promise<DnsAnswer<T>>;
}

const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_TRIES = 2;

/** A client for these options; server names are looked up once, on the first query. */
export function dnsClient(options: DnsOptions = {}): DnsClient {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const tries = options.tries ?? DEFAULT_TRIES;
  let endpoints: ReturnType<typeof resolveEndpoints> | undefined;
  return {
    async query(type, name) {
      endpoints ??= resolveEndpoints(options.servers ?? [], timeoutMs);
      const { endpoints: list, problems } = await endpoints;
      const failures: ServerFailure[] = problems.map((p) => ({ server: p.server, code: 'ESERVERNAME', what: p.what }));
      for (const endpoint of list) {
        const answer = await askOne(endpoint, type, name, timeoutMs, tries);
        if (answer.kind !== 'failure') return answer;
        failures.push(...answer.failures);
      }
      if (failures.length === 0) failures.push({ server: 'the system', code: 'ENOSERVER', what: 'has no DNS server configured (/etc/resolv.conf)' });
      return { kind: 'failure', failures };
    },
  };
}

/**
 * One server, bounded: c-ares retransmits on its own schedule (which grows per try and differs
 * between versions), so the limit is enforced here by cancelling the query.
 */
async function askOne<T extends RecordType>(endpoint: Endpoint, type: T, name: string, timeoutMs: number, tries: number): Promise<DnsAnswer<T>> {
  const resolver = new Resolver({ timeout: Math.max(50, Math.floor(timeoutMs / (2 * tries))), tries });
  resolver.setServers([endpoint.address]);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<{ code: string }>((resolve) => {
    timer = setTimeout(() => {
      resolver.cancel();
      resolve({ code: 'ETIMEOUT' });
    }, timeoutMs);
  });
  const asked = ask(resolver, type, name).then(
    (records) => ({ records }),
    (err: NodeJS.ErrnoException) => ({ code: err.code ?? 'EUNKNOWN' }),
  );
  try {
    const result = await Promise.race([asked, deadline]);
    if ('records' in result) return { kind: 'records', server: endpoint.label, records: result.records };
    const kind = errorKind(result.code);
    if (kind !== 'failure') return { kind, server: endpoint.label };
    return { kind: 'failure', failures: [{ server: endpoint.label, code: result.code, what: failureText(result.code, timeoutMs) }] };
  } finally {
    clearTimeout(timer);
  }
}

function ask<T extends RecordType>(resolver: Resolver, type: T, name: string): Promise<RecordsOf[T]> {
  const byType: { [K in RecordType]: () => Promise<RecordsOf[K]> } = {
    TXT: () => resolver.resolveTxt(name),
    SRV: () => resolver.resolveSrv(name),
    A: () => resolver.resolve4(name),
    AAAA: () => resolver.resolve6(name),
  };
  return byType[type]();
}

/** The failures as one clause: "127.0.0.1:53 answered SERVFAIL (…); 192.0.2.53:53 did not answer within 5s". */
export function failuresText(failures: readonly ServerFailure[]): string {
  return failures.map((f) => `${f.server} ${f.what}`).join('; ');
}
