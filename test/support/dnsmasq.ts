/**
 * A real DNS server for the tests: dnsmasq on a free loopback port, with only the records a
 * test gives it (no /etc/hosts, no /etc/resolv.conf, no config file, no PID file), in the
 * foreground and tracked, so that it is stopped after each test whatever happens. A start
 * returns once dnsmasq answers a query, never after a fixed sleep.
 *
 * Also the two ways a server fails that dnsmasq alone does not give: a UDP port where nothing
 * answers (a socket of our own that reads and never replies), and a port nothing listens on.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { existsSync } from 'node:fs';
import { track } from './children.js';

const CANDIDATES = ['/usr/sbin/dnsmasq', '/usr/local/sbin/dnsmasq'];

function findDnsmasq(): string | undefined {
  const onPath = spawnSync('sh', ['-c', 'command -v dnsmasq'], { encoding: 'utf8' }).stdout.trim();
  return onPath !== '' ? onPath : CANDIDATES.find((c) => existsSync(c));
}

const DNSMASQ = findDnsmasq();
/** Why DNS tests are skipped, or undefined when they run. CI installs dnsmasq (.ci/run). */
export const DNSMASQ_SKIP = DNSMASQ === undefined ? 'dnsmasq is not installed (apt-get install dnsmasq; .ci/run installs it): DNS tests skipped' : undefined;
if (DNSMASQ_SKIP) process.stderr.write(`note: ${DNSMASQ_SKIP}\n`);

/** A record every instance serves, to tell when it answers. */
const READY_NAME = 'ready.pbxsync-test';

export interface Dnsmasq {
  readonly port: number;
  /** `127.0.0.1:PORT`, as `--dns-server` and `servers` take it. */
  readonly server: string;
  readonly child: ChildProcess;
  /** SIGTERM, and resolves once it has exited (SIGKILL after 2 s). */
  stop(): Promise<void>;
}

/**
 * Starts dnsmasq with these record options (`--txt-record=…`, `--cname=…`, `--local=/x.test/`…)
 * on `port`, or on a free port (a few attempts, since a free UDP port may be taken over TCP).
 */
export async function startDnsmasq(records: readonly string[], port?: number): Promise<Dnsmasq> {
  for (let attempt = 1; ; attempt++) {
    const p = port ?? (await freeUdpPort());
    try {
      return await startOn(p, records);
    } catch (err) {
      if (port !== undefined || attempt >= 3 || !/Address already in use/.test(String(err))) throw err;
    }
  }
}

async function startOn(port: number, records: readonly string[]): Promise<Dnsmasq> {
  const args = [
    `--port=${port}`,
    '--listen-address=127.0.0.1',
    '--bind-interfaces',
    '--no-resolv',
    '--no-hosts',
    '--keep-in-foreground',
    '--conf-file=/dev/null',
    // No PID file: the default (/run/dnsmasq.pid) would be overwritten by every instance.
    '--pid-file',
    '--log-facility=-',
    `--txt-record=${READY_NAME},ok`,
    ...records,
  ];
  const child = track(spawn(DNSMASQ!, args, { stdio: ['ignore', 'ignore', 'pipe'] }));
  let log = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (log += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await untilAnswering(port, child, () => log);
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const late = setTimeout(() => child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(late);
  };
  return { port, server: `127.0.0.1:${port}`, child, stop };
}

/** Queries the ready record until it answers (bounded: 10 s), or fails if dnsmasq exits first. */
async function untilAnswering(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const resolver = new Resolver({ timeout: 200, tries: 1 });
  resolver.setServers([`127.0.0.1:${port}`]);
  const end = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`dnsmasq exited (${child.exitCode ?? child.signalCode}): ${log().trim()}`);
    try {
      await resolver.resolveTxt(READY_NAME);
      return;
    } catch {
      if (Date.now() > end) throw new Error(`dnsmasq did not answer on 127.0.0.1:${port} within 10 s: ${log().trim()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/**
 * A validating dnsmasq that answers SERVFAIL for every name under `zone`: it forwards the zone
 * to a second dnsmasq serving it unsigned, with a trust anchor for the zone (dnsmasq also needs
 * one for the root) that nothing can match: the zone must be signed and is not, so DNSSEC
 * validation says BOGUS, which a resolver answers as SERVFAIL (the most common real
 * cause of SERVFAIL). `extra` records are served as usual. dnsmasq on its own does not answer SERVFAIL: an unreachable upstream
 * gives a timeout, no upstream gives REFUSED.
 */
export async function startServfailDnsmasq(zone: string, extra: readonly string[] = []): Promise<{ server: string; stop(): Promise<void> }> {
  const upstream = await startDnsmasq([`--local=/${zone}/`, `--txt-record=_pbxsync.${zone},pbxsync-verification=0`]);
  const anchor = `12345,8,2,${'ab'.repeat(32)}`; // key tag, RSASHA256, SHA-256 digest of no key at all
  const validator = await startDnsmasq([
    '--dnssec',
    `--trust-anchor=.,${anchor}`,
    `--trust-anchor=${zone},${anchor}`,
    `--server=/${zone}/127.0.0.1#${upstream.port}`,
    ...extra,
  ]);
  return { server: validator.server, stop: async () => void (await Promise.all([validator.stop(), upstream.stop()])) };
}

/** A UDP socket that receives queries and never answers: a server that times out. */
export async function silentUdpServer(): Promise<{ server: string; received: () => number; close(): void }> {
  const socket: Socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  let received = 0;
  socket.on('message', () => received++);
  return { server: `127.0.0.1:${socket.address().port}`, received: () => received, close: () => socket.close() };
}

/** A loopback UDP port nothing listens on (bound, then closed): queries to it are refused (ICMP). */
export async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}
