/**
 * What the real-Kamailio tests share: Kamailio itself with examples/kamailio/kamailio.cfg on
 * free loopback ports (SIP over UDP, JSON-RPC over HTTP, the ctl socket in a temporary
 * folder), sipsak as the phones, a UDP "phone" that answers what Kamailio relays to it, and
 * copies of examples/acme under other domains.
 *
 * Needs PBXSYNC_TEST_POSTGRES_URL and PBXSYNC_TEST_KAMAILIO_BIN (set by .ci/run), and sipsak.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import { editTenantFile } from '../support/big-tenant.js';
import { track } from '../support/children.js';
import { ROOT, exampleTenant } from '../support/cli.js';
import { PG_URL } from '../support/postgres.js';
import { tempDir } from '../support/tmp.js';
import { rowStrings } from '../support/sheet-cells.js';

const KAMAILIO = process.env.PBXSYNC_TEST_KAMAILIO_BIN ?? '';
export const SIPSAK = process.env.PBXSYNC_TEST_SIPSAK_BIN ?? 'sipsak';
/** kamcmd comes with Kamailio: next to it, unless PBXSYNC_TEST_KAMCMD_BIN says otherwise. */
export const KAMCMD = process.env.PBXSYNC_TEST_KAMCMD_BIN ?? join(dirname(KAMAILIO || '/usr/sbin/kamailio'), 'kamcmd');
export const SKIP = !PG_URL || !KAMAILIO;
export const REASON = 'PBXSYNC_TEST_POSTGRES_URL and PBXSYNC_TEST_KAMAILIO_BIN are not both set (.ci/run sets them): Kamailio tests skipped';

const run = promisify(execFile);

export interface Tenant {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly domain: string;
}

export interface SheetUser {
  readonly username: string;
  readonly extension: string;
  readonly password: string;
}

/** A UDP "phone": answers 200 OK to every request and remembers the request lines. */
export class ContactListener {
  readonly requests: string[] = [];
  private constructor(private readonly socket: Socket) {}

  static async start(): Promise<ContactListener> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const listener = new ContactListener(socket);
    socket.on('message', (msg, from) => {
      const text = msg.toString();
      const [first = ''] = text.split('\r\n');
      if (first.startsWith('SIP/2.0')) return;
      listener.requests.push(first);
      const keep = text.split('\r\n').filter((l) => /^(via|from|to|call-id|cseq)\s*:/i.test(l));
      socket.send(`SIP/2.0 200 OK\r\n${keep.join('\r\n')}\r\nContent-Length: 0\r\n\r\n`, from.port, from.address);
    });
    return listener;
  }

  get port(): number {
    return this.socket.address().port;
  }

  close(): void {
    this.socket.close();
  }
}

async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  socket.close();
  return port;
}

async function freeTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}

/** Resolves once Kamailio answers anything on its SIP port. */
async function untilAnswering(port: number, kamailio: ChildProcess): Promise<void> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  try {
    await new Promise<void>((resolve, reject) => {
      const probe = `OPTIONS sip:probe@127.0.0.1:${port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${socket.address().port};branch=z9hG4bK-probe\r\nFrom: <sip:probe@example.org>;tag=1\r\nTo: <sip:probe@127.0.0.1>\r\nCall-ID: probe\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 5\r\nContent-Length: 0\r\n\r\n`;
      const timer = setInterval(() => socket.send(probe, port, '127.0.0.1'), 100);
      socket.once('message', () => (clearInterval(timer), resolve()));
      kamailio.once('exit', (code) => (clearInterval(timer), reject(new Error(`kamailio exited with ${code}`))));
    });
  } finally {
    socket.close();
  }
}

/** A JSON-RPC call to Kamailio (the test's own client, not pbxsync's): the parsed answer. */
export function jsonRpc(url: string, method: string, params: unknown[] = []): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ jsonrpc: '2.0', method, params, id: 1 });
    const req = request(
      url,
      { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, timeout: 5000 },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url}`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** A running Kamailio with examples/kamailio/kamailio.cfg: its SIP port, JSON-RPC URL and ctl socket. */
export interface RunningKamailio {
  readonly process: ChildProcess;
  readonly sipPort: number;
  readonly rpcUrl: string;
  readonly ctlSocket: string;
  readonly work: string;
  log(): string;
  /** SIGTERM, and wait until it (and with it every child process) has exited. */
  stop(): Promise<void>;
}

/**
 * Starts Kamailio on free loopback ports and waits until both SIP and JSON-RPC answer.
 * Its own process group: stop() ends it with SIGTERM (the main process stops its children);
 * a SIGKILL of the main process alone would leave the children running. `perTest` (the
 * default): tracked, so that a test that failed half-way does not leave it behind; a
 * Kamailio started once for a whole file (beforeAll) must not be, since every process
 * tracked is killed after each test.
 */
export async function startKamailio(dbUrl: string, options: { perTest?: boolean } = {}): Promise<RunningKamailio> {
  const sipPort = await freeUdpPort();
  const rpcPort = await freeTcpPort();
  const work = tempDir('kamailio-');
  const ctlSocket = `unix:${join(work, 'ctl.sock')}`;
  let log = '';
  const kamailio = spawn(
    KAMAILIO,
    [
      '-DD',
      '-E',
      '-m',
      '64',
      '-M',
      '8',
      '-w',
      work,
      '-P',
      join(work, 'kamailio.pid'),
      '-f',
      join(ROOT, 'examples', 'kamailio', 'kamailio.cfg'),
      '-A',
      `DBURL="${dbUrl}"`,
      '-A',
      `LISTEN=udp:127.0.0.1:${sipPort}`,
      '-A',
      `RPCLISTEN=tcp:127.0.0.1:${rpcPort}`,
      '-A',
      `CTLSOCK="${ctlSocket}"`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  if (options.perTest !== false) track(kamailio);
  kamailio.stderr.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-20_000)));
  const exited = new Promise<void>((resolve) => kamailio.once('exit', () => resolve()));
  const rpcUrl = `http://127.0.0.1:${rpcPort}/RPC`;
  const handle: RunningKamailio = {
    process: kamailio,
    sipPort,
    rpcUrl,
    ctlSocket,
    work,
    log: () => log,
    stop: async () => {
      if (kamailio.exitCode !== null || kamailio.signalCode !== null) return;
      kamailio.kill('SIGTERM');
      const late = setTimeout(() => killGroup(kamailio), 15_000);
      await exited;
      clearTimeout(late);
      killGroup(kamailio); // whatever child is left of the group
    },
  };
  try {
    await untilAnswering(sipPort, kamailio);
    await untilRpcAnswering(rpcUrl, kamailio);
  } catch (err) {
    await handle.stop();
    throw new Error(`${(err as Error).message}\n${log.slice(-3000)}`, { cause: err });
  }
  return handle;
}

function killGroup(child: ChildProcess): void {
  try {
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // the group is gone already
  }
}

/** Resolves once core.version answers over JSON-RPC; bounded by the hook/test timeout and Kamailio's exit. */
async function untilRpcAnswering(url: string, kamailio: ChildProcess): Promise<void> {
  const gone = new Promise<never>((_, reject) => kamailio.once('exit', (code) => reject(new Error(`kamailio exited with ${code}`))));
  gone.catch(() => undefined);
  for (let attempt = 0; attempt < 100; attempt++) {
    const answered = await Promise.race([
      jsonRpc(url, 'core.version').then(
        () => true,
        () => false,
      ),
      gone,
    ]);
    if (answered) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Kamailio's JSON-RPC at ${url} never answered`);
}

export async function sheetUsers(file: string): Promise<SheetUser[]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  const ws = wb.getWorksheet('Subscribers')!;
  const header = rowStrings(ws.getRow(1));
  const users: SheetUser[] = [];
  ws.eachRow((row, n) => {
    if (n === 1) return;
    const cell = (name: string) => rowStrings(row)[header.indexOf(name)]!;
    if (cell('Status') === 'disabled') return;
    users.push({ username: cell('SIP username'), extension: cell('Extension'), password: cell('SIP password') });
  });
  return users;
}

/**
 * sipsak sends the request in a file to Kamailio's address (-s), so that the tenant domains
 * need not resolve in DNS; it adds its Via and answers a 401/407 challenge with -u/-a.
 */
export class Phones {
  private sequence = 0;
  private readonly messages = tempDir('sip-');

  constructor(private readonly sipPort: number) {}

  async sipsak(request: string[], auth?: { user: string; password: string }): Promise<{ ok: boolean; out: string }> {
    const n = ++this.sequence;
    const file = join(this.messages, `request-${n}.sip`);
    writeFileSync(
      file,
      `${request.join('\r\n')}\r\nCall-ID: test-${n}-${process.pid}-${this.sipPort}@127.0.0.1\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`,
    );
    const args = ['-vv', '-f', file, '-s', `sip:127.0.0.1:${this.sipPort}`, ...(auth ? ['-u', auth.user, '-a', auth.password] : [])];
    try {
      const { stdout } = await run(SIPSAK, args, { timeout: 20_000 });
      return { ok: true, out: stdout };
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      return { ok: false, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
    }
  }

  /** REGISTER as `user@domain` with `password`, contact at the listener; sipsak exits 0 on 200 OK. */
  register(user: string, domain: string, password: string, contactPort: number): Promise<{ ok: boolean; out: string }> {
    return this.sipsak(
      [
        `REGISTER sip:${domain} SIP/2.0`,
        `From: <sip:${user}@${domain}>;tag=r${this.sequence}`,
        `To: <sip:${user}@${domain}>`,
        'CSeq: 1 REGISTER',
        `Contact: <sip:${user}@127.0.0.1:${contactPort}>`,
        'Expires: 600',
      ],
      { user, password },
    );
  }

  /** An OPTIONS from outside (example.org) to `target`; returns the final status line. */
  async options(target: string): Promise<string> {
    const { out } = await this.sipsak([
      `OPTIONS sip:${target} SIP/2.0`,
      `From: <sip:tester@example.org>;tag=o${this.sequence}`,
      `To: <sip:${target}>`,
      'CSeq: 1 OPTIONS',
    ]);
    return /^\s*(SIP\/2\.0 \d{3}[^\r\n]*)\s*\n\s*final received/m.exec(out)?.[1]?.trim() ?? out;
  }
}

/** examples/acme on the given PostgreSQL database (pbx.url from ${PBX_URL}). */
export function acmeTenant(dbUrl: string): Tenant {
  const { dir, env } = exampleTenant();
  editTenantFile(join(dir, 'tenant.yaml'), (doc) => doc.setIn(['pbx', 'url'], '${PBX_URL}'));
  return { dir, env: { ...env, PBX_URL: dbUrl }, domain: 'acme.com' };
}

/** The same people (same usernames and object ids) in another company: `name` at `<name>.com`. */
export function otherTenant(dbUrl: string, name: string, masterKeyEnv?: NodeJS.ProcessEnv): Tenant {
  const { dir, env } = exampleTenant();
  const domain = `${name}.com`;
  for (const file of ['tenant.yaml', 'directory.json']) {
    writeFileSync(join(dir, file), readFileSync(join(dir, file), 'utf8').replaceAll('acme.com', domain));
  }
  editTenantFile(join(dir, 'tenant.yaml'), (doc) => {
    doc.set('tenant', name);
    doc.setIn(['pbx', 'url'], '${PBX_URL}');
  });
  return { dir, env: { ...(masterKeyEnv ?? env), PBX_URL: dbUrl }, domain };
}
