/**
 * What pbxsync writes works in a real SIP server: Kamailio with examples/kamailio/kamailio.cfg
 * on the PostgreSQL database pbxsync wrote, and sipsak as the phones. Every user of the
 * spreadsheet registers with its password (and not with a wrong one), every extension reaches
 * the registered contact, a leaver can no longer register while its number stays reserved,
 * and two tenants with the same usernames stay apart.
 *
 * Needs PBXSYNC_TEST_POSTGRES_URL and PBXSYNC_TEST_KAMAILIO_BIN (set by .ci/run), and sipsak.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { editTenantFile } from '../support/big-tenant.js';
import { ROOT, exampleTenant, pbxsync, scratchDir } from '../support/cli.js';
import { PG_URL, createDatabase, dropDatabases, withClient } from '../support/postgres.js';
import { rowStrings } from '../support/sheet-cells.js';

const KAMAILIO = process.env.PBXSYNC_TEST_KAMAILIO_BIN ?? '';
const SIPSAK = process.env.PBXSYNC_TEST_SIPSAK_BIN ?? 'sipsak';
const SKIP = !PG_URL || !KAMAILIO;
const REASON = 'PBXSYNC_TEST_POSTGRES_URL and PBXSYNC_TEST_KAMAILIO_BIN are not both set (.ci/run sets them): Kamailio tests skipped';
if (SKIP) process.stderr.write(`note: ${REASON}\n`);

const run = promisify(execFile);

interface Tenant {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly domain: string;
}

interface SheetUser {
  readonly username: string;
  readonly extension: string;
  readonly password: string;
}

/** A UDP "phone": answers 200 OK to every request and remembers the request lines. */
class ContactListener {
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

/** Resolves once Kamailio answers anything on its port. */
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

async function sheetUsers(file: string): Promise<SheetUser[]> {
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

let sipPort = 0;
let messages = '';
let sequence = 0;

/**
 * sipsak sends the request in a file to Kamailio's address (-s), so that the tenant domains
 * need not resolve in DNS; it adds its Via and answers a 401/407 challenge with -u/-a.
 */
async function sipsak(request: string[], auth?: { user: string; password: string }): Promise<{ ok: boolean; out: string }> {
  const file = join(messages, `request-${++sequence}.sip`);
  writeFileSync(file, `${request.join('\r\n')}\r\nCall-ID: test-${sequence}-${process.pid}@127.0.0.1\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`);
  const args = ['-vv', '-f', file, '-s', `sip:127.0.0.1:${sipPort}`, ...(auth ? ['-u', auth.user, '-a', auth.password] : [])];
  try {
    const { stdout } = await run(SIPSAK, args, { timeout: 20_000 });
    return { ok: true, out: stdout };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** REGISTER as `user@domain` with `password`, contact at the listener; sipsak exits 0 on 200 OK. */
async function register(user: string, domain: string, password: string, contactPort: number): Promise<{ ok: boolean; out: string }> {
  return sipsak(
    [
      `REGISTER sip:${domain} SIP/2.0`,
      `From: <sip:${user}@${domain}>;tag=r${sequence}`,
      `To: <sip:${user}@${domain}>`,
      'CSeq: 1 REGISTER',
      `Contact: <sip:${user}@127.0.0.1:${contactPort}>`,
      'Expires: 600',
    ],
    { user, password },
  );
}

/** An OPTIONS from outside (example.org) to `target`; returns the final status line. */
async function options(target: string): Promise<string> {
  const { out } = await sipsak([`OPTIONS sip:${target} SIP/2.0`, `From: <sip:tester@example.org>;tag=o${sequence}`, `To: <sip:${target}>`, 'CSeq: 1 OPTIONS']);
  return /^\s*(SIP\/2\.0 \d{3}[^\r\n]*)\s*\n\s*final received/m.exec(out)?.[1]?.trim() ?? out;
}

function applied(t: Tenant): void {
  const r = pbxsync(['apply', 'tenant.yaml', '--auto-approve'], { cwd: t.dir, env: t.env });
  expect(r.status, r.stderr).toBe(0);
}

/** Every row a tenant owns, ids included: another tenant's apply must leave them byte-identical. */
async function rowsOf(url: string, domain: string): Promise<unknown[]> {
  return withClient(url, async (c) => [
    (await c.query('SELECT * FROM subscriber WHERE domain = $1 ORDER BY id', [domain])).rows,
    (await c.query('SELECT * FROM dbaliases WHERE alias_domain = $1 ORDER BY id', [domain])).rows,
    (await c.query('SELECT * FROM usr_preferences WHERE domain = $1 ORDER BY id', [domain])).rows,
    (await c.query('SELECT * FROM domain WHERE domain = $1 ORDER BY id', [domain])).rows,
  ]);
}

function acmeTenant(dbUrl: string): Tenant {
  const { dir, env } = exampleTenant();
  editTenantFile(join(dir, 'tenant.yaml'), (doc) => doc.setIn(['pbx', 'url'], '${PBX_URL}'));
  return { dir, env: { ...env, PBX_URL: dbUrl }, domain: 'acme.com' };
}

/** The same people (same usernames and object ids) in a second company, globex.com. */
function globexTenant(dbUrl: string, masterKeyEnv: NodeJS.ProcessEnv): Tenant {
  const { dir } = exampleTenant();
  for (const file of ['tenant.yaml', 'directory.json']) {
    writeFileSync(join(dir, file), readFileSync(join(dir, file), 'utf8').replaceAll('acme.com', 'globex.com'));
  }
  editTenantFile(join(dir, 'tenant.yaml'), (doc) => {
    doc.set('tenant', 'globex');
    doc.setIn(['pbx', 'url'], '${PBX_URL}');
  });
  return { dir, env: { ...masterKeyEnv, PBX_URL: dbUrl }, domain: 'globex.com' };
}

describe.skipIf(SKIP)(`Kamailio on what pbxsync writes${SKIP ? ` (${REASON})` : ''}`, () => {
  let dbUrl = '';
  let acme: Tenant;
  let globex: Tenant;
  let kamailio: ChildProcess | null = null;
  let kamailioLog = '';
  const listeners: ContactListener[] = [];

  beforeAll(async () => {
    dbUrl = await createDatabase({ kamailio: true });
    acme = acmeTenant(dbUrl);
    globex = globexTenant(dbUrl, acme.env);
    applied(acme);
    const acmeRows = await rowsOf(dbUrl, 'acme.com');
    applied(globex);
    expect(await rowsOf(dbUrl, 'acme.com')).toEqual(acmeRows);

    // Started after both applies: the domain module reads the tenants at startup.
    sipPort = await freeUdpPort();
    const work = scratchDir('pbxsync-kamailio-');
    messages = work;
    kamailio = spawn(KAMAILIO, [
      '-DD', '-E', '-m', '64', '-M', '8', '-w', work, '-P', join(work, 'kamailio.pid'),
      '-f', join(ROOT, 'examples', 'kamailio', 'kamailio.cfg'),
      '-A', `DBURL="${dbUrl}"`, '-A', `LISTEN=udp:127.0.0.1:${sipPort}`, '-A', `CTLSOCK="unix:${join(work, 'ctl.sock')}"`,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    kamailio.stderr!.on('data', (d: Buffer) => (kamailioLog = (kamailioLog + d.toString()).slice(-20_000)));
    await untilAnswering(sipPort, kamailio);
  });

  afterAll(async () => {
    for (const l of listeners) l.close();
    if (kamailio && kamailio.exitCode === null) {
      const exited = new Promise((resolve) => kamailio!.once('exit', resolve));
      kamailio.kill('SIGTERM');
      await exited;
    }
    await dropDatabases();
  });

  it('registers every user of the spreadsheet with its password, and none with a wrong one', async () => {
    const users = await sheetUsers(join(acme.dir, 'acme-credentials.xlsx'));
    expect(users).toHaveLength(33);
    const phone = await ContactListener.start();
    listeners.push(phone);
    for (const u of users) {
      const good = await register(u.username, 'acme.com', u.password, phone.port);
      expect(good.ok, `${u.username}: ${good.out}\n${kamailioLog.slice(-2000)}`).toBe(true);
      const bad = await register(u.username, 'acme.com', `${u.password}x`, phone.port);
      expect(bad.ok, u.username).toBe(false);
      expect(bad.out).toMatch(/SIP\/2\.0 40[13] /);
    }
  });

  it('routes an OPTIONS to every extension to the phone registered for it', async () => {
    const users = await sheetUsers(join(acme.dir, 'acme-credentials.xlsx'));
    const phone = listeners[0]!;
    for (const u of users) {
      phone.requests.length = 0;
      expect(await options(`${u.extension}@acme.com`), u.extension).toBe('SIP/2.0 200 OK');
      expect(phone.requests).toEqual([`OPTIONS sip:${u.username}@127.0.0.1:${phone.port} SIP/2.0`]);
    }
    expect(await options('1999@acme.com')).toMatch(/^SIP\/2\.0 404/);
  });

  it('keeps tenants with the same usernames apart', async () => {
    const acmeUsers = await sheetUsers(join(acme.dir, 'acme-credentials.xlsx'));
    const globexUsers = await sheetUsers(join(globex.dir, 'acme-credentials.xlsx'));
    const phone = await ContactListener.start();
    listeners.push(phone);
    const alice = globexUsers.find((u) => u.username === 'alice.johnson')!;
    const acmeAlice = acmeUsers.find((u) => u.username === 'alice.johnson')!;
    expect(alice.password).not.toBe(acmeAlice.password);
    // acme's password does not open globex's account, nor the other way round.
    expect((await register('alice.johnson', 'globex.com', acmeAlice.password, phone.port)).ok).toBe(false);
    expect((await register('alice.johnson', 'acme.com', alice.password, phone.port)).ok).toBe(false);
    // Not registered yet at globex: acme's registration of alice must not answer for her.
    expect(await options(`${alice.extension}@globex.com`)).toMatch(/^SIP\/2\.0 480/);
    expect((await register('alice.johnson', 'globex.com', alice.password, phone.port)).ok).toBe(true);
    phone.requests.length = 0;
    listeners[0]!.requests.length = 0;
    expect(await options(`${alice.extension}@globex.com`)).toBe('SIP/2.0 200 OK');
    expect(phone.requests).toEqual([`OPTIONS sip:alice.johnson@127.0.0.1:${phone.port} SIP/2.0`]);
    expect(listeners[0]!.requests).toEqual([]);
  });

  it('a leaver can no longer register; the number stays reserved and is not handed to a joiner', async () => {
    const before = await sheetUsers(join(acme.dir, 'acme-credentials.xlsx'));
    const leaver = before.find((u) => u.username === 'oliver.brown')!;
    const globexRows = await rowsOf(dbUrl, 'globex.com');
    const file = join(acme.dir, 'directory.json');
    const pages = JSON.parse(readFileSync(file, 'utf8')) as { value: Record<string, unknown>[] }[];
    pages[0]!.value = pages[0]!.value.filter((u) => u.userPrincipalName !== 'oliver.brown@acme.com');
    pages[0]!.value.push({
      id: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee', userPrincipalName: 'nora.new@acme.com', displayName: 'Nora New',
      mail: 'nora.new@acme.com', accountEnabled: true, userType: 'Member', department: 'Sales',
    });
    writeFileSync(file, JSON.stringify(pages));
    applied(acme);

    expect(await rowsOf(dbUrl, 'globex.com')).toEqual(globexRows);
    const phone = listeners[0]!;
    expect((await register(leaver.username, 'acme.com', leaver.password, phone.port)).ok).toBe(false);
    const aliases = await withClient(dbUrl, (c) =>
      c.query(`SELECT username FROM dbaliases WHERE alias_domain = 'acme.com' AND alias_username = $1`, [leaver.extension]),
    );
    expect(aliases.rows).toEqual([{ username: leaver.username }]);

    const nora = (await sheetUsers(join(acme.dir, 'acme-credentials.xlsx'))).find((u) => u.username === 'nora.new')!;
    expect(nora.extension).not.toBe(leaver.extension);
    expect(before.map((u) => u.extension)).not.toContain(nora.extension);
    expect((await register('nora.new', 'acme.com', nora.password, phone.port)).ok).toBe(true);
    phone.requests.length = 0;
    expect(await options(`${nora.extension}@acme.com`)).toBe('SIP/2.0 200 OK');
    expect(phone.requests).toEqual([`OPTIONS sip:nora.new@127.0.0.1:${phone.port} SIP/2.0`]);
  });
});
