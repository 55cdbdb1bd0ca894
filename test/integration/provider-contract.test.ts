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
import { PG_SKIP_REASON, PG_URL, createDatabase, dropDatabases } from '../support/postgres.js';
import { ops, userOps } from '../support/row-ops.js';
import { tempDir } from '../support/tmp.js';

afterAll(dropDatabases);

interface Backend {
  readonly name: string;
  readonly skip: string | null;
  open(): Promise<PbxProvider>;
}

const backends: Backend[] = [
  {
    name: 'SQLite',
    skip: null,
    async open() {
      const pbx = new SqlitePbxProvider(join(tempDir('pbxsync-contract-'), 'pbx.sqlite'));
      await pbx.init();
      return pbx;
    },
  },
  { name: 'PostgreSQL', skip: PG_URL ? null : PG_SKIP_REASON, open: async () => new PostgresPbxProvider(await createDatabase({ kamailio: true })) },
];

describe.each(backends)('$name provider', (backend) => {
  const title = (t: string) => (backend.skip ? `${t} (${backend.skip})` : t);

  it.skipIf(backend.skip)(title("renames an account's preference and alias rows, and nothing else"), async () => {
    const pbx = await backend.open();
    try {
      await pbx.apply({ ...userOps('a.example', 2, 2), insertPreferences: [...userOps('a.example', 2, 2).insertPreferences, { uuid: '@pbxsync', username: '@pbxsync', attribute: 'pbxsync_retired', type: 0, value: '1500' }] });
      await pbx.apply(userOps('b.example', 1, 1));
      await pbx.apply(ops('a.example', { renameAccounts: [{ uuid: 'oid-0', from: 'user0', to: 'ann' }], deleteSubscribers: ['user0'], insertSubscribers: [{ username: 'ann', password: '', ha1: 'h', ha1b: 'hb' }] }));
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
