/**
 * What pbxsync writes works in a real SIP server: Kamailio with examples/kamailio/kamailio.cfg
 * on the PostgreSQL database pbxsync wrote, and sipsak as the phones. Every user of the
 * spreadsheet registers with its password (and not with a wrong one), every extension reaches
 * the registered contact, a leaver can no longer register while its number stays reserved,
 * and two tenants with the same usernames stay apart.
 *
 * Needs PBXSYNC_TEST_POSTGRES_URL and PBXSYNC_TEST_KAMAILIO_BIN (set by .ci/run), and sipsak.
 * The helpers are in ./support.ts, shared with notify.test.ts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pbxsync } from '../support/cli.js';
import { createDatabase, dropDatabases, withClient } from '../support/postgres.js';
import { ContactListener, Phones, REASON, SKIP, acmeTenant, otherTenant, sheetUsers, startKamailio, type RunningKamailio, type Tenant } from './support.js';

if (SKIP) process.stderr.write(`note: ${REASON}\n`);

let phones: Phones;
const register = (user: string, domain: string, password: string, contactPort: number) => phones.register(user, domain, password, contactPort);
const options = (target: string) => phones.options(target);

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

describe.skipIf(SKIP)(`Kamailio on what pbxsync writes${SKIP ? ` (${REASON})` : ''}`, () => {
  let dbUrl = '';
  let acme: Tenant;
  let globex: Tenant;
  let kamailio: RunningKamailio | null = null;
  const kamailioLog = () => kamailio?.log() ?? '';
  const listeners: ContactListener[] = [];

  beforeAll(async () => {
    dbUrl = await createDatabase({ kamailio: true });
    acme = acmeTenant(dbUrl);
    globex = otherTenant(dbUrl, 'globex', acme.env);
    applied(acme);
    const acmeRows = await rowsOf(dbUrl, 'acme.com');
    applied(globex);
    expect(await rowsOf(dbUrl, 'acme.com')).toEqual(acmeRows);

    // Started after both applies: the domain module reads the tenants at startup. Once for
    // the whole file (the tests build on each other), so not stopped after each test.
    kamailio = await startKamailio(dbUrl, { perTest: false });
    phones = new Phones(kamailio.sipPort);
  });

  afterAll(async () => {
    for (const l of listeners) l.close();
    await kamailio?.stop();
    await dropDatabases();
  });

  it('registers every user of the spreadsheet with its password, and none with a wrong one', async () => {
    const users = await sheetUsers(join(acme.dir, 'acme-credentials.xlsx'));
    expect(users).toHaveLength(33);
    const phone = await ContactListener.start();
    listeners.push(phone);
    for (const u of users) {
      const good = await register(u.username, 'acme.com', u.password, phone.port);
      expect(good.ok, `${u.username}: ${good.out}\n${kamailioLog().slice(-2000)}`).toBe(true);
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
      id: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee',
      userPrincipalName: 'nora.new@acme.com',
      displayName: 'Nora New',
      mail: 'nora.new@acme.com',
      accountEnabled: true,
      userType: 'Member',
      department: 'Sales',
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
