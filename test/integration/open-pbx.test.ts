import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { PbxUrlError } from '../../src/pbx/errors.js';
import { openPbx, sqlitePathOf } from '../../src/pbx/open-pbx.js';
import { PostgresPbxProvider } from '../../src/pbx/postgres-provider.js';
import { SqlitePbxProvider } from '../../src/pbx/sqlite-provider.js';
import { tempDir } from '../support/tmp.js';

const BASE = '/srv/tenants';

describe('sqlitePathOf', () => {
  it.each([
    ['sqlite:pbx.sqlite', '/srv/tenants/pbx.sqlite'],
    ['sqlite:data/pbx.sqlite', '/srv/tenants/data/pbx.sqlite'],
    ['sqlite:../pbx.sqlite', '/srv/pbx.sqlite'],
    ['sqlite:/var/lib/pbx.sqlite', '/var/lib/pbx.sqlite'],
    ['sqlite:///var/lib/pbx.sqlite', '/var/lib/pbx.sqlite'],
    ['sqlite://./pbx.sqlite', '/srv/tenants/pbx.sqlite'],
    ['sqlite://../x/pbx.sqlite', '/srv/x/pbx.sqlite'],
  ])('%s → %s', (url, path) => {
    expect(sqlitePathOf(url, BASE)).toBe(path);
  });

  it.each(['sqlite:', 'sqlite://', 'sqlite::memory:'])('refuses %s', (url) => {
    expect(() => sqlitePathOf(url, BASE)).toThrow(PbxUrlError);
  });
});

describe('openPbx', () => {
  it('opens an SQLite provider lazily, without creating the file', async () => {
    const dir = tempDir('pbxsync-open-');
    const pbx = await openPbx('sqlite:pbx.sqlite', dir);
    expect(pbx).toBeInstanceOf(SqlitePbxProvider);
    expect((pbx as SqlitePbxProvider).path).toBe(join(dir, 'pbx.sqlite'));
    expect(existsSync(join(dir, 'pbx.sqlite'))).toBe(false);
    await pbx.init();
    expect(existsSync(join(dir, 'pbx.sqlite'))).toBe(true);
    await pbx.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(['postgres://pbx:s3cret@db/kamailio', 'postgresql://pbx:s3cret@db/kamailio', 'POSTGRES://db/k'])(
    'opens a PostgreSQL provider for %s without connecting',
    async (url) => {
      const pbx = await openPbx(url, BASE);
      expect(pbx).toBeInstanceOf(PostgresPbxProvider);
      await pbx.close();
    },
  );

  it('refuses a PostgreSQL URL without a database, without echoing the password', async () => {
    const error = await openPbx('postgres://pbx:s3cret@db', BASE).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PbxUrlError);
    expect(error).toBeInstanceOf(UserError);
    expect(JSON.stringify([(error as Error).message, (error as PbxUrlError).hint])).not.toContain('s3cret');
  });

  it('names an unknown scheme but not the rest of the URL', async () => {
    const error = await openPbx('mysql://root:s3cret@db/kamailio', BASE).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PbxUrlError);
    expect((error as Error).message).toBe('unsupported PBX URL scheme "mysql:" (supported: sqlite:, postgres:)');
  });

  it('refuses a bare path, pointing at the sqlite: prefix', async () => {
    const error = await openPbx('pbx.sqlite', BASE).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PbxUrlError);
    expect((error as PbxUrlError).hint).toContain('sqlite:pbx.sqlite');
  });
});
