/**
 * The PostgreSQL provider against a real PostgreSQL, on tables made by Kamailio's own
 * PostgreSQL scripts: the same contract as the SQLite provider, plus connection failures
 * and the advisory tenant lock.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { PreferenceInsert, RowOps } from '../../src/model/row-ops.js';
import { UserError } from '../../src/errors.js';
import { PbxChangedError, PbxLockTimeoutError, PbxSchemaError } from '../../src/pbx/errors.js';
import { PostgresPbxProvider } from '../../src/pbx/postgres-provider.js';
import type { LockHolder } from '../../src/pbx/provider.js';
import { KAMAILIO_SQL_DIR, PG_SKIP_REASON, PG_URL, createDatabase, dropDatabases, dumpPg, urlFor, withClient } from '../support/postgres.js';
import { ops, userOps } from '../support/row-ops.js';
import { tempDir } from '../support/tmp.js';

const FIXED_NOW = new Date('2024-05-06T07:08:09.123Z');

afterAll(dropDatabases);

async function ready(): Promise<{ url: string; pbx: PostgresPbxProvider }> {
  const url = await createDatabase({ kamailio: true });
  return { url, pbx: new PostgresPbxProvider(url, { now: () => FIXED_NOW, busyTimeoutMs: 2000 }) };
}

/** Columns, defaults, indexes and version rows: what Kamailio sees of the schema. */
async function schemaOf(url: string): Promise<unknown> {
  return withClient(url, async (c) => ({
    columns: (
      await c.query(`SELECT table_name, column_name, data_type, character_maximum_length, is_nullable, column_default
      FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`)
    ).rows,
    indexes: (await c.query(`SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname`)).rows,
    versions: (await c.query('SELECT table_name, table_version FROM version ORDER BY table_name')).rows,
  }));
}

describe.skipIf(!PG_URL)(`PostgresPbxProvider${PG_URL ? '' : ` (${PG_SKIP_REASON})`}`, () => {
  it("init runs Kamailio's own scripts: the same schema as kamdbctl, and a silent no-op the second time", async () => {
    const { url: reference } = await ready();
    const url = await createDatabase();
    const pbx = new PostgresPbxProvider(url, { sqlDir: KAMAILIO_SQL_DIR });
    await pbx.init();
    expect(await schemaOf(url)).toEqual(await schemaOf(reference));
    const before = await dumpPg(url);
    await pbx.init();
    expect(await dumpPg(url)).toEqual(before);
    await pbx.close();
  });

  it("init refuses a folder without Kamailio's scripts", async () => {
    const url = await createDatabase();
    const pbx = new PostgresPbxProvider(url, { sqlDir: '/nonexistent' });
    await expect(pbx.init()).rejects.toThrow(/standard-create.sql is missing/);
    await pbx.close();
  });

  it('inserts and deletes what RowOps says and reads it back', async () => {
    const { url, pbx } = await ready();
    await pbx.apply({ ...userOps('a.example', 3), createDomain: { did: 'acme', attrs: { tenant: 'acme', pbxsync_managed: 'yes' } } });
    const state = await pbx.read('a.example', 't');
    expect(state.domain).toEqual({ did: 'acme', exists: true, attrs: { tenant: 'acme', pbxsync_managed: 'yes' }, otherDomainsOfDid: [] });
    expect(state.subscribers).toEqual([0, 1, 2].map((i) => ({ username: `user${i}`, ha1: `ha1-${i}`, ha1b: `ha1b-${i}`, hasPlaintext: false })));
    expect(state.aliases).toEqual([0, 1, 2].map((i) => ({ aliasUsername: String(1000 + i), username: `user${i}` })));
    expect(state.preferences).toContainEqual({ uuid: 'oid-1', username: 'user1', attribute: 'attr_1', type: 1, value: '1' });
    const rows = await dumpPg(url);
    expect(rows['domain_attrs']).toEqual([
      { id: 1, did: 'acme', name: 'tenant', type: 2, value: 'acme', last_modified: expect.any(Date) },
      { id: 2, did: 'acme', name: 'pbxsync_managed', type: 2, value: 'yes', last_modified: expect.any(Date) },
    ]);
    await withClient(url, async (c) => {
      const stamp = await c.query(`SELECT to_char(last_modified, 'YYYY-MM-DD HH24:MI:SS') AS t FROM usr_preferences LIMIT 1`);
      expect(stamp.rows[0].t).toBe('2024-05-06 07:08:09');
    });

    await pbx.apply(
      ops('a.example', {
        createDomain: { did: 'other', attrs: { x: 'y' } },
        deleteSubscribers: ['user1'],
        deleteAliases: [
          { aliasUsername: '1001', username: 'user1' },
          { aliasUsername: '1002', username: 'nobody' },
        ],
        deletePreferencesOf: ['oid-1'],
        deletePreferences: [{ uuid: 'oid-2', attribute: 'attr_0', value: null }],
        insertSubscribers: [{ username: 'plain', password: 'secret', ha1: 'h', ha1b: 'hb' }],
      }),
    );
    const after = await pbx.read('a.example', 't');
    expect(after.domain.did).toBe('acme');
    expect(after.subscribers.map((s) => s.username)).toEqual(['plain', 'user0', 'user2']);
    expect(after.subscribers[0]?.hasPlaintext).toBe(true);
    expect(after.aliases.map((a) => a.aliasUsername)).toEqual(['1000', '1002']);
    expect(after.preferences.map((p) => `${p.uuid}/${p.attribute}`)).toEqual(['oid-0/attr_0', 'oid-0/attr_1', 'oid-2/attr_1']);
    await pbx.close();
  });

  it('reads an empty tenant as such', async () => {
    const { pbx } = await ready();
    expect(await pbx.read('nobody.example', 't')).toMatchObject({
      domain: { did: null, exists: false, attrs: {} },
      subscribers: [],
      aliases: [],
      preferences: [],
    });
    await pbx.close();
  });

  it('keeps tenants apart and shows cross-domain aliases as user@domain', async () => {
    const { url, pbx } = await ready();
    await pbx.apply({ ...userOps('b.example', 5, 3), createDomain: { did: 'b', attrs: { k: 'b' } } });
    await pbx.apply({ ...userOps('a.example', 5, 3), createDomain: { did: 'a', attrs: { k: 'a' } } });
    const onlyB = async () => {
      const all = await dumpPg(url);
      return {
        subscriber: all['subscriber']!.filter((r) => (r as { domain: string }).domain === 'b.example'),
        dbaliases: all['dbaliases']!.filter((r) => (r as { alias_domain: string }).alias_domain === 'b.example'),
        usr_preferences: all['usr_preferences']!.filter((r) => (r as { domain: string }).domain === 'b.example'),
      };
    };
    const before = await onlyB();
    await pbx.apply(
      ops('a.example', {
        deleteSubscribers: ['user0'],
        deleteAliases: [{ aliasUsername: '1000', username: 'user0' }],
        deletePreferencesOf: ['oid-0'],
        deletePreferences: [{ uuid: 'oid-1', attribute: 'attr_0', value: null }],
      }),
    );
    expect(await onlyB()).toEqual(before);
    expect((await pbx.read('a.example', 't')).subscribers).toHaveLength(4);
    await withClient(url, (c) =>
      c.query(`INSERT INTO dbaliases (alias_username, alias_domain, username, domain) VALUES ('2000', 'a.example', 'bob', 'b.example')`),
    );
    expect((await pbx.read('a.example', 't')).aliases).toContainEqual({ aliasUsername: '2000', username: 'bob@b.example' });
    await pbx.apply(ops('a.example', { deleteAliases: [{ aliasUsername: '2000', username: 'bob@b.example' }] }));
    expect((await pbx.read('a.example', 't')).aliases.map((a) => a.aliasUsername)).not.toContain('2000');
    await pbx.close();
  });

  it('writes nothing when a statement fails half-way, or when the rows changed since the plan', async () => {
    const { url, pbx } = await ready();
    await pbx.apply(userOps('a.example', 3));
    const before = await dumpPg(url);
    const broken: RowOps = {
      ...userOps('a.example', 2, 1, 10),
      createDomain: { did: 'a', attrs: { k: 'v' } },
      deleteSubscribers: ['user0'],
      deletePreferencesOf: ['oid-0'],
      insertPreferences: [{ uuid: 'oid-10', username: 'user10', attribute: 'x', type: 0 } as PreferenceInsert],
    };
    await expect(pbx.apply(broken)).rejects.toThrow(/null value/);
    expect(await dumpPg(url)).toEqual(before);

    const { fingerprint } = await pbx.read('a.example', 't');
    await withClient(url, (c) => c.query(`UPDATE subscriber SET ha1 = 'changed' WHERE username = 'user1'`));
    const changed = await dumpPg(url);
    await expect(pbx.apply(userOps('a.example', 1, 1, 20), fingerprint)).rejects.toBeInstanceOf(PbxChangedError);
    expect(await dumpPg(url)).toEqual(changed);
    const fresh = await pbx.read('a.example', 't');
    await pbx.apply(userOps('a.example', 1, 1, 20), fresh.fingerprint);
    expect((await pbx.read('a.example', 't')).subscribers).toHaveLength(4);
    await pbx.close();
  });

  it('gives the same fingerprint as the SQLite provider for the same rows', async () => {
    const { SqlitePbxProvider } = await import('../../src/pbx/sqlite-provider.js');
    const { join } = await import('node:path');
    const sqlite = new SqlitePbxProvider(join(tempDir('pbxsync-fp-'), 'pbx.sqlite'), { now: () => FIXED_NOW });
    await sqlite.init();
    const { pbx } = await ready();
    const write = { ...userOps('a.example', 20, 4), createDomain: { did: 'a', attrs: { k: 'v' } } };
    await sqlite.apply(write);
    await pbx.apply(write);
    const [a, b] = [await sqlite.read('a.example', 't'), await pbx.read('a.example', 't')];
    expect(b).toEqual(a);
    await Promise.all([sqlite.close(), pbx.close()]);
  });

  it('refuses read and apply on a version mismatch or a missing table, writing nothing', async () => {
    const { url, pbx } = await ready();
    await withClient(url, (c) => c.query(`UPDATE version SET table_version = 6 WHERE table_name = 'subscriber'`));
    const before = await dumpPg(url);
    const message = 'table subscriber has version 6, pbxsync needs 7 (Kamailio 5.6 schema)';
    await expect(pbx.checkSchema()).rejects.toThrow(message);
    await expect(pbx.read('a.example', 't')).rejects.toThrow(message);
    const error = await pbx.apply(userOps('a.example', 3)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PbxSchemaError);
    expect(await dumpPg(url)).toEqual(before);
    await withClient(url, (c) =>
      c.query(`UPDATE version SET table_version = 7 WHERE table_name = 'subscriber'; DROP TABLE dbaliases; DELETE FROM version WHERE table_name = 'dbaliases'`),
    );
    await expect(pbx.read('a.example', 't')).rejects.toThrow('table dbaliases is missing, pbxsync needs version 1 (Kamailio 5.6 schema)');
    await pbx.close();
  });

  it('says in one line, without the password, when the server is down, the password wrong or the database missing', async () => {
    const base = new URL(PG_URL);
    const cases: [string, RegExp][] = [];
    const down = new URL(base);
    down.port = '1';
    cases.push([down.toString(), /^cannot connect to the PBX database .*:1\/.*: connection refused$/]);
    const wrong = new URL(base);
    wrong.password = 'not-the-password-s3cret';
    cases.push([wrong.toString(), /refused the login of .*: password authentication failed$/]);
    cases.push([urlFor('pbxsync_no_such_db'), /^the PBX database .*pbxsync_no_such_db does not exist$/]);
    if (base.password) {
      const none = new URL(base);
      none.password = '';
      cases.push([none.toString(), /^the PBX database \S+ asks for a password, and the URL has none$/]);
    }
    for (const [url, message] of cases) {
      const pbx = new PostgresPbxProvider(url);
      const error = (await pbx.read('a.example', 't').catch((e: unknown) => e)) as UserError;
      expect(error).toBeInstanceOf(UserError);
      expect(error.message).toMatch(message);
      expect(`${error.message} ${error.hint}`).not.toContain('s3cret');
      if (base.password && base.password !== base.username) expect(`${error.message} ${error.hint}`).not.toContain(base.password);
      await pbx.close();
    }
  });
});

describe.skipIf(!PG_URL)(`PostgreSQL tenant lock${PG_URL ? '' : ` (${PG_SKIP_REASON})`}`, () => {
  it('blocks the same tenant, names the holder when it times out, and lets others through', async () => {
    const { url } = await ready();
    const [one, two] = [new PostgresPbxProvider(url), new PostgresPbxProvider(url)];
    const held = await one.lock('a.example', { timeoutMs: 1000, tenant: 'acme' });
    const waits: (LockHolder | null)[] = [];
    const error = await two.lock('a.example', { timeoutMs: 300, tenant: 'acme', onWait: (h) => waits.push(h) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PbxLockTimeoutError);
    expect((error as Error).message).toMatch(new RegExp(`^tenant acme is locked by \\S+@\\S+ pid ${process.pid} since \\d{4}-\\d\\d-\\d\\dT`));
    expect(waits).toHaveLength(1);
    expect(waits[0]?.who).toContain(`pid ${process.pid}`);

    const other = await two.lock('b.example', { timeoutMs: 0 });
    await other.release();

    const waiting = two.lock('a.example', { timeoutMs: 30_000 });
    await held.release();
    const next = await waiting;
    await next.release();
    await Promise.all([one.close(), two.close()]);
  });

  it("is released when the holder's connection dies", async () => {
    const { url } = await ready();
    const pbx = new PostgresPbxProvider(url);
    await pbx.lock('a.example', { timeoutMs: 0 });
    await withClient(url, (c) =>
      c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'pbxsync apply%'`),
    );
    const again = await new PostgresPbxProvider(url).lock('a.example', { timeoutMs: 10_000 });
    await again.release();
  });
});
