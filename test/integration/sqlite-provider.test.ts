import { copyFileSync, existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { PreferenceInsert, RowOps } from '../../src/model/row-ops.js';
import { UserError } from '../../src/errors.js';
import { PbxBusyError, PbxChangedError, PbxMissingError, PbxSchemaError } from '../../src/pbx/errors.js';
import { EXPECTED_TABLE_VERSIONS } from '../../src/pbx/kamailio-schema.js';
import { SqlitePbxProvider } from '../../src/pbx/sqlite-provider.js';
import { ops, userOps } from '../support/row-ops.js';
import { tempDir } from '../support/tmp.js';

/** Kamailio 5.6's utils/kamctl/db_sqlite scripts, verbatim, as an independent reference. */
const KAMAILIO_56_SQL = `
CREATE TABLE version (
    id INTEGER PRIMARY KEY NOT NULL,
    table_name VARCHAR(32) NOT NULL,
    table_version INTEGER DEFAULT 0 NOT NULL,
    CONSTRAINT version_table_name_idx UNIQUE (table_name)
);
INSERT INTO version (table_name, table_version) values ('version','1');
CREATE TABLE subscriber (
    id INTEGER PRIMARY KEY NOT NULL,
    username VARCHAR(64) DEFAULT '' NOT NULL,
    domain VARCHAR(64) DEFAULT '' NOT NULL,
    password VARCHAR(64) DEFAULT '' NOT NULL,
    ha1 VARCHAR(128) DEFAULT '' NOT NULL,
    ha1b VARCHAR(128) DEFAULT '' NOT NULL,
    CONSTRAINT subscriber_account_idx UNIQUE (username, domain)
);
CREATE INDEX subscriber_username_idx ON subscriber (username);
INSERT INTO version (table_name, table_version) values ('subscriber','7');
CREATE TABLE dbaliases (
    id INTEGER PRIMARY KEY NOT NULL,
    alias_username VARCHAR(64) DEFAULT '' NOT NULL,
    alias_domain VARCHAR(64) DEFAULT '' NOT NULL,
    username VARCHAR(64) DEFAULT '' NOT NULL,
    domain VARCHAR(64) DEFAULT '' NOT NULL
);
CREATE INDEX dbaliases_alias_user_idx ON dbaliases (alias_username);
CREATE INDEX dbaliases_alias_idx ON dbaliases (alias_username, alias_domain);
CREATE INDEX dbaliases_target_idx ON dbaliases (username, domain);
INSERT INTO version (table_name, table_version) values ('dbaliases','1');
CREATE TABLE usr_preferences (
    id INTEGER PRIMARY KEY NOT NULL,
    uuid VARCHAR(64) DEFAULT '' NOT NULL,
    username VARCHAR(128) DEFAULT 0 NOT NULL,
    domain VARCHAR(64) DEFAULT '' NOT NULL,
    attribute VARCHAR(32) DEFAULT '' NOT NULL,
    type INTEGER DEFAULT 0 NOT NULL,
    value VARCHAR(128) DEFAULT '' NOT NULL,
    last_modified TIMESTAMP WITHOUT TIME ZONE DEFAULT '2000-01-01 00:00:01' NOT NULL
);
CREATE INDEX usr_preferences_ua_idx ON usr_preferences (uuid, attribute);
CREATE INDEX usr_preferences_uda_idx ON usr_preferences (username, domain, attribute);
INSERT INTO version (table_name, table_version) values ('usr_preferences','2');
CREATE TABLE domain (
    id INTEGER PRIMARY KEY NOT NULL,
    domain VARCHAR(64) NOT NULL,
    did VARCHAR(64) DEFAULT NULL,
    last_modified TIMESTAMP WITHOUT TIME ZONE DEFAULT '2000-01-01 00:00:01' NOT NULL,
    CONSTRAINT domain_domain_idx UNIQUE (domain)
);
INSERT INTO version (table_name, table_version) values ('domain','2');
CREATE TABLE domain_attrs (
    id INTEGER PRIMARY KEY NOT NULL,
    did VARCHAR(64) NOT NULL,
    name VARCHAR(32) NOT NULL,
    type INTEGER NOT NULL,
    value VARCHAR(255) NOT NULL,
    last_modified TIMESTAMP WITHOUT TIME ZONE DEFAULT '2000-01-01 00:00:01' NOT NULL
);
CREATE INDEX domain_attrs_domain_attrs_idx ON domain_attrs (did, name);
INSERT INTO version (table_name, table_version) values ('domain_attrs','1');
`;

const TABLES = ['version', 'subscriber', 'dbaliases', 'usr_preferences', 'domain', 'domain_attrs'];
const FIXED_NOW = new Date('2024-05-06T07:08:09.123Z');

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function tempPath(name = 'pbx.sqlite'): string {
  const dir = tempDir('pbxsync-sqlite-');
  tempDirs.push(dir);
  return join(dir, name);
}

async function initialised(): Promise<{ path: string; pbx: SqlitePbxProvider }> {
  const path = tempPath();
  const pbx = new SqlitePbxProvider(path, { now: () => FIXED_NOW, busyTimeoutMs: 50 });
  await pbx.init();
  return { path, pbx };
}

/** Runs `fn` on a separate connection, the way Kamailio or an operator would touch the file. */
function withDb<T>(path: string, fn: (db: Database.Database) => T): T {
  const db = new Database(path);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

function schemaOf(path: string): unknown[] {
  return withDb(path, (db) =>
    (
      db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name').all() as {
        sql: string | null;
      }[]
    ).map((row) => ({ ...row, sql: row.sql?.replace(/\s+/g, ' ') ?? null })),
  );
}

function versionsOf(path: string): unknown[] {
  return withDb(path, (db) => db.prepare('SELECT table_name, table_version, typeof(table_version) AS t FROM version ORDER BY table_name').all());
}

/** Every row of every table, ids and timestamps included. */
function dump(path: string, where: Record<string, string> = {}): Record<string, unknown[]> {
  return withDb(path, (db) => Object.fromEntries(TABLES.map((t) => [t, db.prepare(`SELECT * FROM ${t} ${where[t] ?? ''} ORDER BY id`).all()])));
}

describe('SqlitePbxProvider.init', () => {
  it('creates exactly the tables, indexes and version rows of Kamailio 5.6', async () => {
    const { path, pbx } = await initialised();
    await pbx.close();
    const reference = tempPath('kamailio.sqlite');
    withDb(reference, (db) => db.exec(KAMAILIO_56_SQL));

    expect(schemaOf(path)).toEqual(schemaOf(reference));
    expect(versionsOf(path)).toEqual(versionsOf(reference));
    const names = withDb(path, (db) => db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all());
    expect(names).toEqual([...TABLES].sort());
    expect(versionsOf(path)).toEqual(
      Object.entries(EXPECTED_TABLE_VERSIONS)
        .map(([table_name, v]) => ({ table_name, table_version: v, t: 'integer' }))
        .sort((a, b) => a.table_name.localeCompare(b.table_name)),
    );
  });

  it('is a silent no-op the second time', async () => {
    const { path, pbx } = await initialised();
    const before = { schema: schemaOf(path), rows: dump(path) };
    const log = vi.spyOn(console, 'log');
    const out = vi.spyOn(process.stdout, 'write');
    const err = vi.spyOn(process.stderr, 'write');
    await pbx.init();
    await new SqlitePbxProvider(path).init();
    expect(log).not.toHaveBeenCalled();
    expect(out).not.toHaveBeenCalled();
    expect(err).not.toHaveBeenCalled();
    vi.restoreAllMocks();
    expect({ schema: schemaOf(path), rows: dump(path) }).toEqual(before);
    await pbx.close();
  });

  it('adds its tables to a Kamailio database that lacks them, leaving the others alone', async () => {
    const path = tempPath();
    withDb(path, (db) => {
      db.exec(KAMAILIO_56_SQL.slice(0, KAMAILIO_56_SQL.indexOf('CREATE TABLE subscriber')));
      db.exec(`CREATE TABLE location (id INTEGER PRIMARY KEY NOT NULL, ruid VARCHAR(64) DEFAULT '' NOT NULL);
        INSERT INTO version (table_name, table_version) values ('location','9');`);
    });
    // Made by another tool with the umask's 0644: kept as it is, and said so.
    const warnings: string[] = [];
    await new SqlitePbxProvider(path, { onWarning: (m) => warnings.push(m) }).init();
    expect(statSync(path).mode & 0o777).toBe(0o644);
    expect(warnings).toEqual([expect.stringContaining(`readable beyond mode 0600: ${path} (0644)`)]);
    expect(versionsOf(path)).toContainEqual({ table_name: 'location', table_version: 9, t: 'integer' });
    await expect(new SqlitePbxProvider(path).checkSchema()).resolves.toBeUndefined();
  });

  it('refuses a table at another version', async () => {
    const { path, pbx } = await initialised();
    await pbx.close();
    withDb(path, (db) => db.exec(`UPDATE version SET table_version = 6 WHERE table_name = 'subscriber'`));
    const error = await new SqlitePbxProvider(path).init().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PbxSchemaError);
    expect(error).toMatchObject({ table: 'subscriber', found: 6, expected: 7 });
  });

  it('refuses a table that exists without a version row', async () => {
    const path = tempPath();
    withDb(path, (db) => db.exec('CREATE TABLE subscriber (id INTEGER PRIMARY KEY NOT NULL, username VARCHAR(64))'));
    await expect(new SqlitePbxProvider(path, { onWarning: () => undefined }).init()).rejects.toThrow(
      'table subscriber has no row in the version table, pbxsync needs version 7 (Kamailio 5.6 schema)',
    );
  });

  it('refuses a file that is not an SQLite database', async () => {
    const path = tempPath('notes.txt');
    writeFileSync(path, 'hello, this is not a database at all, just some text to fill a page');
    await expect(new SqlitePbxProvider(path).init()).rejects.toThrow(`${path} is not an SQLite database`);
    await expect(new SqlitePbxProvider(path).read('a.example', 't')).rejects.toBeInstanceOf(UserError);
  });

  it('refuses a folder that does not exist', async () => {
    const path = join(tempPath(), 'pbx.sqlite');
    await expect(new SqlitePbxProvider(path).init()).rejects.toBeInstanceOf(UserError);
  });
});

describe('SqlitePbxProvider schema checks', () => {
  it('refuses a missing file without creating it', async () => {
    const path = tempPath();
    const pbx = new SqlitePbxProvider(path);
    const error = await pbx.read('a.example', 't').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PbxMissingError);
    expect(error).toMatchObject({
      message: `no PBX database at ${path}`,
      hint: `run \`pbxsync pbx init sqlite:${path}\` first`,
    });
    await expect(pbx.apply(ops('a.example'))).rejects.toBeInstanceOf(PbxMissingError);
    expect(existsSync(path)).toBe(false);
  });

  it('refuses read and apply on a version mismatch, writing nothing', async () => {
    const { path, pbx } = await initialised();
    withDb(path, (db) => db.exec(`UPDATE version SET table_version = 6 WHERE table_name = 'subscriber'`));
    const before = dump(path);
    const message = 'table subscriber has version 6, pbxsync needs 7 (Kamailio 5.6 schema)';
    await expect(pbx.checkSchema()).rejects.toThrow(message);
    await expect(pbx.read('a.example', 't')).rejects.toThrow(message);
    const error = await pbx.apply(userOps('a.example', 3)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PbxSchemaError);
    expect((error as PbxSchemaError).message).toBe(message);
    expect((error as PbxSchemaError).hint).toBeTruthy();
    expect(dump(path)).toEqual(before);
    await pbx.close();
  });

  it('refuses a missing table and a missing version table', async () => {
    const { path, pbx } = await initialised();
    await pbx.close();
    const copy = tempPath();
    copyFileSync(path, copy);
    withDb(path, (db) => db.exec(`DROP TABLE dbaliases; DELETE FROM version WHERE table_name = 'dbaliases'`));
    await expect(new SqlitePbxProvider(path).read('a.example', 't')).rejects.toThrow(
      'table dbaliases is missing, pbxsync needs version 1 (Kamailio 5.6 schema)',
    );
    withDb(copy, (db) => db.exec('DROP TABLE version'));
    await expect(new SqlitePbxProvider(copy).checkSchema()).rejects.toMatchObject({ table: 'version', found: null });
  });
});

describe('SqlitePbxProvider read and apply', () => {
  it('inserts and deletes what RowOps says and reads it back', async () => {
    const { path, pbx } = await initialised();
    await pbx.apply({
      ...userOps('a.example', 3),
      createDomain: { did: 'acme', attrs: { tenant: 'acme', pbxsync_managed: 'yes' } },
    });
    const state = await pbx.read('a.example', 't');
    expect(state.domain).toEqual({ did: 'acme', exists: true, attrs: { tenant: 'acme', pbxsync_managed: 'yes' }, otherDomainsOfDid: [] });
    expect(state.subscribers).toEqual([0, 1, 2].map((i) => ({ username: `user${i}`, ha1: `ha1-${i}`, ha1b: `ha1b-${i}`, hasPlaintext: false })));
    expect(state.aliases).toEqual([0, 1, 2].map((i) => ({ aliasUsername: String(1000 + i), username: `user${i}` })));
    expect(state.preferences).toHaveLength(6);
    expect(state.preferences).toContainEqual({ uuid: 'oid-1', username: 'user1', attribute: 'attr_1', type: 1, value: '1' });
    expect(state.fingerprint).toMatch(/^[0-9a-f]{64}$/);

    const rows = dump(path);
    expect(rows['domain_attrs']).toEqual([
      { id: 1, did: 'acme', name: 'tenant', type: 2, value: 'acme', last_modified: '2024-05-06 07:08:09' },
      { id: 2, did: 'acme', name: 'pbxsync_managed', type: 2, value: 'yes', last_modified: '2024-05-06 07:08:09' },
    ]);
    expect(rows['domain']).toEqual([{ id: 1, domain: 'a.example', did: 'acme', last_modified: '2024-05-06 07:08:09' }]);
    expect(rows['usr_preferences']?.[0]).toMatchObject({ domain: 'a.example', last_modified: '2024-05-06 07:08:09' });
    expect(rows['dbaliases']?.[0]).toMatchObject({ alias_domain: 'a.example', domain: 'a.example', alias_username: '1000' });

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
    expect(dump(path)['domain_attrs']).toHaveLength(2);
    expect(after.subscribers.map((s) => s.username)).toEqual(['plain', 'user0', 'user2']);
    expect(after.subscribers[0]?.hasPlaintext).toBe(true);
    expect(after.aliases.map((a) => a.aliasUsername)).toEqual(['1000', '1002']);
    expect(after.preferences.map((p) => `${p.uuid}/${p.attribute}`)).toEqual(['oid-0/attr_0', 'oid-0/attr_1', 'oid-2/attr_1']);
    await pbx.close();
  });

  it('reads an empty tenant as such', async () => {
    const { pbx } = await initialised();
    const state = await pbx.read('nobody.example', 't');
    expect(state).toMatchObject({ domain: { did: null, exists: false, attrs: {} }, subscribers: [], aliases: [], preferences: [] });
    await pbx.close();
  });

  it('keeps tenants apart: reads only its domain, leaves other domains byte-identical', async () => {
    const { path, pbx } = await initialised();
    await pbx.apply({ ...userOps('b.example', 5, 3), createDomain: { did: 'b', attrs: { k: 'b' } } });
    await pbx.apply({ ...userOps('a.example', 5, 3), createDomain: { did: 'a', attrs: { k: 'a' } } });
    const onlyB = {
      subscriber: `WHERE domain = 'b.example'`,
      dbaliases: `WHERE alias_domain = 'b.example' OR domain = 'b.example'`,
      usr_preferences: `WHERE domain = 'b.example'`,
      domain: `WHERE domain = 'b.example'`,
      domain_attrs: `WHERE did = 'b'`,
    };
    const before = dump(path, onlyB);

    const a = await pbx.read('a.example', 't');
    expect(a.domain.attrs).toEqual({ k: 'a' });
    expect(a.subscribers).toHaveLength(5);
    expect(a.aliases).toHaveLength(5);
    expect(a.preferences).toHaveLength(15);
    // Same usernames, extensions and object ids exist in b.example: none of them may move.
    await pbx.apply({
      ...userOps('a.example', 5, 3),
      deleteSubscribers: ['user0', 'user1', 'user2', 'user3', 'user4'],
      deleteAliases: [0, 1, 2, 3, 4].map((i) => ({ aliasUsername: String(1000 + i), username: `user${i}` })),
      deletePreferencesOf: ['oid-0', 'oid-1', 'oid-2', 'oid-3', 'oid-4'],
    });
    await pbx.apply(
      ops('a.example', {
        deleteSubscribers: ['user0'],
        deleteAliases: [{ aliasUsername: '1000', username: 'user0' }],
        deletePreferencesOf: ['oid-0'],
        deletePreferences: [{ uuid: 'oid-1', attribute: 'attr_0', value: null }],
      }),
    );
    expect(dump(path, onlyB)).toEqual(before);
    expect((await pbx.read('b.example', 't')).subscribers).toHaveLength(5);
    expect((await pbx.read('a.example', 't')).subscribers).toHaveLength(4);
    await pbx.close();
  });

  it('shows an alias pointing into another domain as user@domain', async () => {
    const { path, pbx } = await initialised();
    withDb(path, (db) =>
      db.exec(`INSERT INTO dbaliases (alias_username, alias_domain, username, domain)
               VALUES ('2000', 'a.example', 'bob', 'b.example'), ('3000', 'b.example', 'ann', 'a.example')`),
    );
    expect((await pbx.read('a.example', 't')).aliases).toEqual([{ aliasUsername: '2000', username: 'bob@b.example' }]);
    await pbx.apply(ops('a.example', { deleteAliases: [{ aliasUsername: '2000', username: 'bob' }] }));
    expect((await pbx.read('a.example', 't')).aliases).toHaveLength(1);
    await pbx.apply(ops('a.example', { deleteAliases: [{ aliasUsername: '2000', username: 'bob@b.example' }] }));
    expect((await pbx.read('a.example', 't')).aliases).toEqual([]);
    expect((await pbx.read('b.example', 't')).aliases).toEqual([{ aliasUsername: '3000', username: 'ann@a.example' }]);
    await pbx.close();
  });

  it('writes nothing when a statement fails half-way', async () => {
    const { path, pbx } = await initialised();
    await pbx.apply(userOps('a.example', 3));
    const before = dump(path);
    const broken: RowOps = {
      ...userOps('a.example', 2, 1, 10),
      createDomain: { did: 'a', attrs: { k: 'v' } },
      deleteSubscribers: ['user0'],
      deleteAliases: [{ aliasUsername: '1000', username: 'user0' }],
      deletePreferencesOf: ['oid-0'],
      deletePreferences: [{ uuid: 'oid-1', attribute: 'attr_0', value: null }],
      // The last statement hits NOT NULL: everything before it must be rolled back.
      insertPreferences: [{ uuid: 'oid-10', username: 'user10', attribute: 'x', type: 0 } as PreferenceInsert],
    };
    await expect(pbx.apply(broken)).rejects.toThrow(/NOT NULL/);
    expect(dump(path)).toEqual(before);

    const duplicate = ops('a.example', {
      deleteAliases: [{ aliasUsername: '1001', username: 'user1' }],
      insertSubscribers: [{ username: 'user2', password: '', ha1: 'x', ha1b: 'y' }],
    });
    await expect(pbx.apply(duplicate)).rejects.toThrow(/UNIQUE/);
    expect(dump(path)).toEqual(before);
    await pbx.close();
  });

  it('refuses a changed PBX when given the fingerprint of an older read', async () => {
    const { path, pbx } = await initialised();
    await pbx.apply(userOps('a.example', 3));
    const seen = await pbx.read('a.example', 't');
    withDb(path, (db) => db.exec(`UPDATE usr_preferences SET value = 'changed' WHERE uuid = 'oid-2' AND attribute = 'attr_0'`));
    const before = dump(path);
    const next = ops('a.example', { deleteSubscribers: ['user0'] });
    const error = await pbx.apply(next, seen.fingerprint).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PbxChangedError);
    expect(dump(path)).toEqual(before);

    // Changes in another domain do not count.
    const fresh = await pbx.read('a.example', 't');
    await pbx.apply(userOps('b.example', 1));
    await pbx.apply(next, fresh.fingerprint);
    expect((await pbx.read('a.example', 't')).subscribers).toHaveLength(2);
    await pbx.close();
  });

  it('turns a held write lock into a busy error', async () => {
    const { path, pbx } = await initialised();
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    try {
      const error = await pbx.apply(userOps('a.example', 1)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PbxBusyError);
      expect((error as PbxBusyError).message).toContain('the PBX database is busy (another apply?)');
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    await pbx.apply(userOps('a.example', 1));
    await pbx.close();
  });

  it('applies and reads back 20,000 subscribers', async () => {
    const { path, pbx } = await initialised();
    const big = userOps('big.example', 20_000, 18);
    await pbx.apply({ ...big, createDomain: { did: 'big', attrs: {} } });
    const state = await pbx.read('big.example', 't');
    expect(state.subscribers).toHaveLength(20_000);
    expect(state.aliases).toHaveLength(20_000);
    expect(state.preferences).toHaveLength(360_000);
    expect(state.subscribers).toContainEqual({ username: 'user19999', ha1: 'ha1-19999', ha1b: 'ha1b-19999', hasPlaintext: false });

    const all = Array.from({ length: 20_000 }, (_, i) => i);
    await pbx.apply(
      ops('big.example', {
        deleteSubscribers: all.map((i) => `user${i}`),
        deleteAliases: all.map((i) => ({ aliasUsername: String(1000 + i), username: `user${i}` })),
        deletePreferencesOf: all.slice(1).map((i) => `oid-${i}`),
        deletePreferences: Array.from({ length: 18 }, (_, p) => ({ uuid: 'oid-0', attribute: `attr_${p}`, value: null })),
      }),
      state.fingerprint,
    );
    const counts = withDb(path, (db) => ['subscriber', 'dbaliases', 'usr_preferences'].map((t) => db.prepare(`SELECT count(*) FROM ${t}`).pluck().get()));
    expect(counts).toEqual([0, 0, 0]);
    await pbx.close();
  });
});

describe('fingerprint', () => {
  it('does not depend on database ids or insertion order', async () => {
    const one = await initialised();
    const two = await initialised();
    const rows = userOps('a.example', 4, 3);
    await one.pbx.apply(rows);
    await two.pbx.apply(userOps('z.example', 2)); // shifts every id in the second database
    await two.pbx.apply({
      ...rows,
      insertSubscribers: [...rows.insertSubscribers].reverse(),
      insertAliases: [...rows.insertAliases].reverse(),
      insertPreferences: [...rows.insertPreferences].reverse(),
    });
    expect((await two.pbx.read('a.example', 't')).fingerprint).toBe((await one.pbx.read('a.example', 't')).fingerprint);
    await one.pbx.close();
    await two.pbx.close();
  });
});
