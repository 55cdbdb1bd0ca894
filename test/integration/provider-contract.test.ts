/**
 * What both PBX providers must do alike for the writes a plan makes: renames that move an
 * account's rows, deletes of one preference value (ledger rows), the other domains of a did,
 * and reads that never write (a read-only SQLite file must do for `plan`).
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PostgresPbxProvider } from '../../src/pbx/postgres-provider.js';
import type { PbxProvider } from '../../src/pbx/provider.js';
import { SqlitePbxProvider } from '../../src/pbx/sqlite-provider.js';
import { PG_SKIP_REASON, PG_URL, createDatabase, dropDatabases, withClient } from '../support/postgres.js';
import { ops, userOps } from '../support/row-ops.js';
import { tempDir } from '../support/tmp.js';

afterAll(dropDatabases);

interface Backend {
  readonly name: string;
  readonly skip: string | null;
  open(): Promise<PbxProvider>;
  /** A provider and a way to change its rows behind its back, as another tool would. */
  openWithSql(): Promise<{ pbx: PbxProvider; sql: (statement: string) => Promise<void> }>;
}

async function sqlite(): Promise<{ pbx: PbxProvider; sql: (statement: string) => Promise<void> }> {
  const path = join(tempDir('pbxsync-contract-'), 'pbx.sqlite');
  const pbx = new SqlitePbxProvider(path);
  await pbx.init();
  return {
    pbx,
    sql: async (statement) => {
      const db = new Database(path);
      try {
        db.exec(statement);
      } finally {
        db.close();
      }
    },
  };
}

async function postgres(): Promise<{ pbx: PbxProvider; sql: (statement: string) => Promise<void> }> {
  const url = await createDatabase({ kamailio: true });
  return { pbx: new PostgresPbxProvider(url), sql: (statement) => withClient(url, async (c) => void (await c.query(statement))) };
}

const backends: Backend[] = [
  { name: 'SQLite', skip: null, open: async () => (await sqlite()).pbx, openWithSql: sqlite },
  { name: 'PostgreSQL', skip: PG_URL ? null : PG_SKIP_REASON, open: async () => (await postgres()).pbx, openWithSql: postgres },
];

describe.each(backends)('$name provider', (backend) => {
  const title = (t: string) => (backend.skip ? `${t} (${backend.skip})` : t);

  it.skipIf(backend.skip)(title("renames an account's preference and alias rows, and nothing else"), async () => {
    const pbx = await backend.open();
    try {
      await pbx.apply({
        ...userOps('a.example', 2, 2),
        insertPreferences: [
          ...userOps('a.example', 2, 2).insertPreferences,
          { uuid: '@pbxsync', username: '@pbxsync', attribute: 'pbxsync_retired', type: 0, value: '1500' },
        ],
      });
      await pbx.apply(userOps('b.example', 1, 1));
      await pbx.apply(
        ops('a.example', {
          renameAccounts: [{ uuid: 'oid-0', from: 'user0', to: 'ann' }],
          deleteSubscribers: ['user0'],
          insertSubscribers: [{ username: 'ann', password: '', ha1: 'h', ha1b: 'hb' }],
        }),
      );
      const a = await pbx.read('a.example', 't');
      expect(a.subscribers.map((s) => s.username)).toEqual(['ann', 'user1']);
      expect(a.aliases).toEqual([
        { aliasUsername: '1000', username: 'ann' },
        { aliasUsername: '1001', username: 'user1' },
      ]);
      expect(a.preferences.filter((p) => p.uuid === 'oid-0').map((p) => p.username)).toEqual(['ann', 'ann']);
      expect(a.preferences.filter((p) => p.uuid !== 'oid-0').map((p) => p.username)).toEqual(['@pbxsync', 'user1', 'user1']);
      expect((await pbx.read('b.example', 't')).preferences.map((p) => p.username)).toEqual(['user0']);
    } finally {
      await pbx.close();
    }
  });

  it.skipIf(backend.skip)(title('deletes a preference row by value, or every value of the attribute'), async () => {
    const pbx = await backend.open();
    try {
      const ledger = (value: string) => ({ uuid: '@pbxsync', username: '@pbxsync', attribute: 'pbxsync_retired', type: 0, value });
      await pbx.apply(ops('a.example', { insertPreferences: ['1500', '1501', '1502'].map(ledger) }));
      await pbx.apply(ops('a.example', { deletePreferences: [{ uuid: '@pbxsync', attribute: 'pbxsync_retired', value: '1501' }] }));
      expect((await pbx.read('a.example', 't')).preferences.map((p) => p.value)).toEqual(['1500', '1502']);
      await pbx.apply(ops('a.example', { deletePreferences: [{ uuid: '@pbxsync', attribute: 'pbxsync_retired', value: null }] }));
      expect((await pbx.read('a.example', 't')).preferences).toEqual([]);
    } finally {
      await pbx.close();
    }
  });

  it.skipIf(backend.skip)(title('fingerprints every value it reads, in any row order, computed in the database as read computes it'), async () => {
    const { pbx, sql } = await backend.openWithSql();
    try {
      await pbx.apply({ ...userOps('a.example', 3, 3), createDomain: { did: 'acme', attrs: { a: '1' } } });
      await pbx.apply(userOps('b.example', 2, 2));
      const base = (await pbx.read('a.example', 'acme')).fingerprint;
      expect(await pbx.fingerprint('a.example', 'acme')).toBe(base);
      // Another domain's rows are not the tenant's.
      await sql(`UPDATE usr_preferences SET value = 'other' WHERE domain = 'b.example'`);
      expect(await pbx.fingerprint('a.example', 'acme')).toBe(base);
      // Each edit below is undone before the next: only it makes the difference.
      const edits: [string, string][] = [
        [
          `UPDATE subscriber SET ha1 = 'X' WHERE domain = 'a.example' AND username = 'user1'`,
          `UPDATE subscriber SET ha1 = 'ha1-1' WHERE domain = 'a.example' AND username = 'user1'`,
        ],
        [
          `UPDATE subscriber SET ha1b = 'X' WHERE domain = 'a.example' AND username = 'user1'`,
          `UPDATE subscriber SET ha1b = 'ha1b-1' WHERE domain = 'a.example' AND username = 'user1'`,
        ],
        [
          `UPDATE subscriber SET password = 'plain' WHERE domain = 'a.example' AND username = 'user1'`,
          `UPDATE subscriber SET password = '' WHERE domain = 'a.example' AND username = 'user1'`,
        ],
        [
          `UPDATE dbaliases SET username = 'user2' WHERE alias_domain = 'a.example' AND alias_username = '1001'`,
          `UPDATE dbaliases SET username = 'user1' WHERE alias_domain = 'a.example' AND alias_username = '1001'`,
        ],
        [
          `UPDATE usr_preferences SET type = 0 WHERE domain = 'a.example' AND uuid = 'oid-2' AND attribute = 'attr_1'`,
          `UPDATE usr_preferences SET type = 1 WHERE domain = 'a.example' AND uuid = 'oid-2' AND attribute = 'attr_1'`,
        ],
        [
          `UPDATE usr_preferences SET value = 'x' WHERE domain = 'a.example' AND uuid = 'oid-2' AND attribute = 'attr_0'`,
          `UPDATE usr_preferences SET value = 'value 2/0' WHERE domain = 'a.example' AND uuid = 'oid-2' AND attribute = 'attr_0'`,
        ],
        [`UPDATE domain_attrs SET value = '2' WHERE did = 'acme'`, `UPDATE domain_attrs SET value = '1' WHERE did = 'acme'`],
        [`UPDATE domain SET did = 'other' WHERE domain = 'a.example'`, `UPDATE domain SET did = 'acme' WHERE domain = 'a.example'`],
        [
          `DELETE FROM dbaliases WHERE alias_domain = 'a.example' AND alias_username = '1002'`,
          `INSERT INTO dbaliases (alias_username, alias_domain, username, domain) VALUES ('1002', 'a.example', 'user2', 'a.example')`,
        ],
      ];
      for (const [edit, undo] of edits) {
        await sql(edit);
        const changed = await pbx.fingerprint('a.example', 'acme');
        expect(changed, edit).not.toBe(base);
        expect((await pbx.read('a.example', 'acme')).fingerprint, edit).toBe(changed);
        await sql(undo);
        expect(await pbx.fingerprint('a.example', 'acme'), undo).toBe(base);
      }
      // The same rows written again in another order (new ids, new physical order): the same fingerprint.
      await sql(`DELETE FROM usr_preferences WHERE domain = 'a.example' AND uuid = 'oid-0'`);
      await pbx.apply(ops('a.example', { insertPreferences: [...userOps('a.example', 1, 3).insertPreferences].reverse() }));
      expect(await pbx.fingerprint('a.example', 'acme')).toBe(base);
    } finally {
      await pbx.close();
    }
  });

  it.skipIf(backend.skip)(title('reads the other domains of a did, and the fingerprint changes with them'), async () => {
    const pbx = await backend.open();
    try {
      await pbx.apply({ ...ops('a.example'), createDomain: { did: 'acme', attrs: {} } });
      const before = await pbx.read('b.example', 'acme');
      expect(before.domain).toEqual({ did: null, exists: false, attrs: {}, otherDomainsOfDid: ['a.example'] });
      expect((await pbx.read('a.example', 'acme')).domain.otherDomainsOfDid).toEqual([]);
      await pbx.apply({ ...ops('c.example'), createDomain: { did: 'acme', attrs: {} } });
      const after = await pbx.read('b.example', 'acme');
      expect(after.domain.otherDomainsOfDid).toEqual(['a.example', 'c.example']);
      expect(after.fingerprint).not.toBe(before.fingerprint);
    } finally {
      await pbx.close();
    }
  });
});

describe('SQLite reads never write', () => {
  it('leaves the journal mode of a file made by other tools alone, and applies switch it to WAL', async () => {
    const path = join(tempDir('pbxsync-contract-'), 'pbx.sqlite');
    const init = new SqlitePbxProvider(path);
    await init.init();
    await init.close();
    const db = new Database(path);
    db.pragma('journal_mode = DELETE');
    db.close();
    const pbx = new SqlitePbxProvider(path);
    await pbx.read('a.example', 'acme');
    await pbx.checkSchema();
    const mode = () => {
      const d = new Database(path, { readonly: true });
      try {
        return d.pragma('journal_mode', { simple: true });
      } finally {
        d.close();
      }
    };
    expect(mode()).toBe('delete');
    await pbx.apply(userOps('a.example', 1));
    expect(mode()).toBe('wal');
    await pbx.close();
  });
});

describe.each(backends)('$name provider, progress', (backend) => {
  it.skipIf(backend.skip)(`tells onRows after each chunk of rows written, up to the total${backend.skip ? ` (${backend.skip})` : ''}`, async () => {
    const pbx = await backend.open();
    try {
      const seen: [number, number][] = [];
      // 3,000 subscribers, aliases and 2 preferences each: chunks of 5,000 rows (chunks.ts).
      await pbx.apply(userOps('a.example', 3000, 2), undefined, (written, total) => seen.push([written, total]));
      expect(seen).toEqual([
        [3000, 12000],
        [6000, 12000],
        [11000, 12000],
        [12000, 12000],
      ]);
      const renames = ops('a.example', { renameAccounts: [{ uuid: 'oid-0', from: 'user0', to: 'ann' }] });
      const again: [number, number][] = [];
      await pbx.apply(renames, undefined, (written, total) => again.push([written, total]));
      expect(again).toEqual([
        [1, 2],
        [2, 2],
      ]); // preferences and aliases
    } finally {
      await pbx.close();
    }
  });
});
