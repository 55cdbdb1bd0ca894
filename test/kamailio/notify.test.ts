/**
 * An apply tells a running Kamailio what it changed, over JSON-RPC or kamcmd (the ISP
 * configuration's `kamailio:` section): a new tenant's phones register at once (domain.reload),
 * and the registrations of a leaver, a user whose passwords were rotated and a renamed user
 * (its old name) end at once (ul.rm), while everybody else stays registered; after a domain
 * move the phones register on the new domain only, and the old registrations are gone. With Kamailio
 * stopped, the apply commits all the same, warns with the kamcmd command to run by hand and
 * exits 3.
 *
 * Each test starts its own Kamailio (examples/kamailio/kamailio.cfg) before its own tenant
 * exists, all on one PostgreSQL database. Needs what registrar.test.ts needs.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { editTenantFile } from '../support/big-tenant.js';
import { pbxsync, type CliResult } from '../support/cli.js';
import { testIspYaml } from '../support/isp.js';
import { createDatabase, dropDatabases, withClient } from '../support/postgres.js';
import { tempDir } from '../support/tmp.js';
import {
  ContactListener,
  KAMCMD,
  Phones,
  REASON,
  SIPSAK,
  SKIP,
  jsonRpc,
  otherTenant,
  sheetUsers,
  startKamailio,
  type RunningKamailio,
  type SheetUser,
  type Tenant,
} from './support.js';

if (SKIP) process.stderr.write(`note: ${REASON}\n`);

const run = promisify(execFile);

/** An ISP configuration (the tests' own, see test/support/isp.ts) with this `kamailio:` section. */
function ispWith(kamailio: Record<string, string | number>): string {
  const lines = Object.entries(kamailio).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`);
  const path = join(tempDir('isp-'), 'isp.yaml');
  writeFileSync(path, `${testIspYaml(['kamailio:', ...lines].join('\n'))}\n`);
  return path;
}

function apply(t: Tenant, isp: string | null): CliResult {
  return pbxsync(['apply', 'tenant.yaml', '--auto-approve'], { cwd: t.dir, env: { ...t.env, ...(isp ? { PBXSYNC_ISP_CONFIG: isp } : {}) } });
}

async function users(t: Tenant): Promise<Map<string, SheetUser>> {
  return new Map((await sheetUsers(join(t.dir, 'acme-credentials.xlsx'))).map((u) => [u.username, u]));
}

function leaves(t: Tenant, username: string): void {
  const file = join(t.dir, 'directory.json');
  const pages = JSON.parse(readFileSync(file, 'utf8')) as { value: Record<string, unknown>[] }[];
  for (const page of pages) page.value = page.value.filter((u) => u.userPrincipalName !== `${username}@${t.domain}`);
  writeFileSync(file, JSON.stringify(pages));
}

/** The contacts usrloc holds for an AOR, over JSON-RPC (`ul.lookup`); [] when it has none. */
async function contactsOverJsonRpc(k: RunningKamailio, aor: string): Promise<string[]> {
  const { body } = await jsonRpc(k.rpcUrl, 'ul.lookup', ['location', aor]);
  if (body.error) {
    expect(body.error).toEqual({ code: 500, message: 'AOR not found in location table' });
    return [];
  }
  const result = body.result as { Contacts: { Contact: { Address: string } }[] };
  return result.Contacts.map((c) => c.Contact.Address);
}

/** The same through kamcmd on the ctl socket. */
async function contactsOverKamcmd(k: RunningKamailio, aor: string): Promise<string[]> {
  const { stdout } = await run(KAMCMD, ['-s', k.ctlSocket, 'ul.lookup', 'location', aor], { timeout: 10_000 });
  if (/^error: 500 - AOR not found in location table$/m.test(stdout)) return [];
  return [...stdout.matchAll(/Address: (\S+)/g)].map((m) => m[1]!);
}

describe.skipIf(SKIP)(`an apply tells Kamailio what it changed${SKIP ? ` (${REASON})` : ''}`, () => {
  let dbUrl = '';
  let kamailio: RunningKamailio | null = null;
  const listeners: ContactListener[] = [];

  beforeAll(async () => {
    dbUrl = await createDatabase({ kamailio: true });
  });

  // Before test/support/setup.ts kills what is left: SIGTERM lets Kamailio stop its children.
  afterEach(async () => {
    for (const l of listeners.splice(0)) l.close();
    await kamailio?.stop();
    kamailio = null;
  });

  afterAll(async () => {
    await dropDatabases();
  });

  async function phone(): Promise<ContactListener> {
    const listener = await ContactListener.start();
    listeners.push(listener);
    return listener;
  }

  it('serves JSON-RPC on POST /RPC only, and no SIP on that socket', async () => {
    kamailio = await startKamailio(dbUrl);
    const port = Number(new URL(kamailio.rpcUrl).port);
    const http = (method: string, path: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port, method, path, headers: { 'content-type': 'application/json' } },
          (res) => (res.resume(), resolve(res.statusCode ?? 0)),
        );
        req.on('error', reject);
        req.end(method === 'POST' ? '{"jsonrpc":"2.0","method":"core.version","id":1}' : undefined);
      });
    expect(await http('POST', '/RPC')).toBe(200);
    expect(await http('GET', '/RPC')).toBe(403);
    expect(await http('POST', '/other')).toBe(403);
    expect(await http('POST', '/RPC/../x')).toBe(403);
    const { stdout } = await run(SIPSAK, ['-vv', '-E', 'tcp', '-s', `sip:probe@127.0.0.1:${port}`], { timeout: 10_000 }).catch((e: { stdout: string }) => e);
    expect(stdout).toMatch(/SIP\/2\.0 403 Not a SIP port/);
  });

  it("lets a new tenant's phones register right after the apply, without a manual domain.reload (JSON-RPC)", async () => {
    kamailio = await startKamailio(dbUrl);
    const phones = new Phones(kamailio.sipPort);
    const contact = await phone();

    // Without the kamailio section, the tenant is in the database but not in Kamailio's
    // cached domain list: its phones are refused, and the apply says what to run.
    const untold = otherTenant(dbUrl, 'initech');
    const quiet = apply(untold, null);
    expect(quiet.status, quiet.stderr).toBe(0);
    expect(quiet.stderr.match(/^note: Kamailio was not told/gm)).toHaveLength(1);
    expect(quiet.stderr).toContain('\n  kamcmd domain.reload\n');
    const initechAlice = (await users(untold)).get('alice.johnson')!;
    expect((await phones.register('alice.johnson', untold.domain, initechAlice.password, contact.port)).out).toMatch(/SIP\/2\.0 403 Unknown domain/);

    const told = otherTenant(dbUrl, 'hooli', untold.env);
    const r = apply(told, ispWith({ jsonrpc_url: kamailio.rpcUrl }));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('told Kamailio: domain.reload');
    expect(r.stderr).not.toMatch(/note: Kamailio was not told|warning/);
    for (const u of [...(await users(told)).values()].slice(0, 5)) {
      const registered = await phones.register(u.username, told.domain, u.password, contact.port);
      expect(registered.ok, `${u.username}: ${registered.out}\n${kamailio.log().slice(-2000)}`).toBe(true);
    }
    // domain.reload reads the whole table: the tenant applied without telling works now too.
    expect((await phones.register('alice.johnson', untold.domain, initechAlice.password, contact.port)).ok).toBe(true);
  });

  it("ends a leaver's registration at once, and nobody else's (JSON-RPC)", async () => {
    kamailio = await startKamailio(dbUrl);
    const phones = new Phones(kamailio.sipPort);
    const isp = ispWith({ jsonrpc_url: kamailio.rpcUrl, timeout_seconds: 5 });
    const t = otherTenant(dbUrl, 'hooli2');
    expect(apply(t, isp).status).toBe(0);
    const sheet = await users(t);
    const leaver = sheet.get('oliver.brown')!;
    const stays = sheet.get('alice.johnson')!;
    const contact = await phone();
    for (const u of [leaver, stays]) expect((await phones.register(u.username, t.domain, u.password, contact.port)).ok, u.username).toBe(true);
    expect(await contactsOverJsonRpc(kamailio, `oliver.brown@${t.domain}`)).toEqual([`sip:oliver.brown@127.0.0.1:${contact.port}`]);
    expect(await phones.options(`${leaver.extension}@${t.domain}`)).toBe('SIP/2.0 200 OK');

    leaves(t, 'oliver.brown');
    const r = apply(t, isp);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('1 disabled');
    expect(r.stderr).toContain('told Kamailio: ul.rm for 1 address');

    expect(await contactsOverJsonRpc(kamailio, `oliver.brown@${t.domain}`)).toEqual([]);
    contact.requests.length = 0;
    expect(await phones.options(`${leaver.extension}@${t.domain}`)).toMatch(/^SIP\/2\.0 404/);
    expect(contact.requests).toEqual([]);
    // The colleague's phone is still registered and reached.
    expect(await contactsOverJsonRpc(kamailio, `alice.johnson@${t.domain}`)).toHaveLength(1);
    expect(await phones.options(`${stays.extension}@${t.domain}`)).toBe('SIP/2.0 200 OK');
    expect(contact.requests).toEqual([`OPTIONS sip:alice.johnson@127.0.0.1:${contact.port} SIP/2.0`]);
  });

  it('ends the registrations of a rotated user and of a renamed user (old name) at once (kamcmd)', async () => {
    kamailio = await startKamailio(dbUrl);
    const phones = new Phones(kamailio.sipPort);
    const isp = ispWith({ ctl_socket: kamailio.ctlSocket, kamcmd: KAMCMD });
    const t = otherTenant(dbUrl, 'umbrella');
    const first = apply(t, isp);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toContain('told Kamailio: domain.reload');
    const before = await users(t);
    const [rotated, renamed, stays] = [before.get('daniel.kim')!, before.get('emma.schmidt')!, before.get('alice.johnson')!];
    const contact = await phone();
    for (const u of [rotated, renamed, stays]) expect((await phones.register(u.username, t.domain, u.password, contact.port)).ok, u.username).toBe(true);
    expect(await contactsOverKamcmd(kamailio, `daniel.kim@${t.domain}`)).toEqual([`sip:daniel.kim@127.0.0.1:${contact.port}`]);

    editTenantFile(join(t.dir, 'tenant.yaml'), (doc) => {
      doc.setIn(['users', `daniel.kim@${t.domain}`], doc.createNode({ generation: 2 }));
      doc.setIn(['users', `emma.schmidt@${t.domain}`], doc.createNode({ username: 'emma.s' }));
    });
    const r = apply(t, isp);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('told Kamailio: ul.rm for 2 addresses');

    expect(await contactsOverKamcmd(kamailio, `daniel.kim@${t.domain}`)).toEqual([]);
    expect(await contactsOverKamcmd(kamailio, `emma.schmidt@${t.domain}`)).toEqual([]);
    expect(await contactsOverKamcmd(kamailio, `alice.johnson@${t.domain}`)).toHaveLength(1);
    // The phone with the old password cannot come back; the new one from the spreadsheet can.
    const after = await users(t);
    expect(after.get('daniel.kim')!.password).not.toBe(rotated.password);
    expect((await phones.register('daniel.kim', t.domain, rotated.password, contact.port)).ok).toBe(false);
    expect((await phones.register('daniel.kim', t.domain, after.get('daniel.kim')!.password, contact.port)).ok).toBe(true);
    expect((await phones.register('emma.s', t.domain, after.get('emma.s')!.password, contact.port)).ok).toBe(true);
  });

  it('after a move, phones register on the new domain with the same passwords, not on the old one, and the old registrations are gone (JSON-RPC)', async () => {
    kamailio = await startKamailio(dbUrl);
    const phones = new Phones(kamailio.sipPort);
    const isp = ispWith({ jsonrpc_url: kamailio.rpcUrl });
    const t = otherTenant(dbUrl, 'wayne');
    expect(apply(t, isp).status).toBe(0);
    const before = await users(t);
    const alice = before.get('alice.johnson')!;
    const contact = await phone();
    expect((await phones.register('alice.johnson', 'wayne.com', alice.password, contact.port)).ok).toBe(true);
    expect(await contactsOverJsonRpc(kamailio, 'alice.johnson@wayne.com')).toHaveLength(1);

    // The users keep their UPNs in wayne.com (source.scope.domains lists it); the tenant moves.
    editTenantFile(join(t.dir, 'tenant.yaml'), (doc) => doc.set('domain', 'wayne.example'));
    const r = apply(t, isp);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('wayne.com → wayne.example');
    expect(r.stderr).toContain('told Kamailio: domain.reload');

    expect(await contactsOverJsonRpc(kamailio, 'alice.johnson@wayne.com')).toEqual([]);
    const after = await users(t);
    expect(after.get('alice.johnson')!.password).toBe(alice.password);
    expect((await phones.register('alice.johnson', 'wayne.example', alice.password, contact.port)).ok).toBe(true);
    expect((await phones.register('alice.johnson', 'wayne.com', alice.password, contact.port)).out).toMatch(/SIP\/2\.0 403 Unknown domain/);
  });

  it('with Kamailio stopped, still commits, warns with the kamcmd command to run by hand, and exits 3', async () => {
    const stopped = await startKamailio(dbUrl);
    await stopped.stop();
    const t = otherTenant(dbUrl, 'stark');

    const r = apply(t, ispWith({ jsonrpc_url: stopped.rpcUrl, ctl_socket: stopped.ctlSocket, timeout_seconds: 2 }));
    expect(r.status, r.stderr).toBe(3);
    expect(r.stdout).toContain('Apply complete: 33 created');
    expect(r.stderr).toContain('warning: the PBX was updated, but Kamailio was not told (1 of 1 command failed); run by hand:\n');
    expect(r.stderr).toContain(
      `\n  kamcmd -s ${stopped.ctlSocket} domain.reload  # cannot connect to Kamailio's JSON-RPC at ${stopped.rpcUrl} (connection refused)\n`,
    );
    expect(r.stderr).not.toMatch(/error:|unexpected/);
    const domains = await withClient(dbUrl, (c) => c.query('SELECT did FROM domain WHERE domain = $1', [t.domain]));
    expect(domains.rows).toEqual([{ did: 'stark' }]);
    // Committed: the next apply has nothing to change and nothing to tell.
    const again = apply(t, ispWith({ jsonrpc_url: stopped.rpcUrl }));
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain('No changes.');
    expect(again.stderr).not.toContain('Kamailio');

    // The same over kamcmd: the ctl socket is gone with Kamailio.
    leaves(t, 'oliver.brown');
    const viaKamcmd = apply(t, ispWith({ ctl_socket: stopped.ctlSocket, kamcmd: KAMCMD }));
    expect(viaKamcmd.status, viaKamcmd.stderr).toBe(3);
    const kamcmdLine = `${KAMCMD} -s ${stopped.ctlSocket}`;
    expect(viaKamcmd.stderr).toContain(
      `\n  ${kamcmdLine} ul.rm location oliver.brown@stark.com  # ${kamcmdLine} failed (exit 255): ERROR: connect_unix_sock: connect(`,
    );
    const subscribers = await withClient(dbUrl, (c) =>
      c.query('SELECT username FROM subscriber WHERE domain = $1 AND username = $2', [t.domain, 'oliver.brown']),
    );
    expect(subscribers.rows).toEqual([]);
  });
});
