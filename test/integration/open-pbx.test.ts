import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { PbxUrlError } from '../../src/pbx/errors.js';
import { openPbx, sqlitePathOf } from '../../src/pbx/open-pbx.js';
import { SqlitePbxProvider } from '../../src/pbx/sqlite-provider.js';

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
    const dir = mkdtempSync(join(tmpdir(), 'pbxsync-open-'));
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
    'says PostgreSQL is not built yet for %s, without echoing the URL',
    async (url) => {
      const error = await openPbx(url, BASE).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PbxUrlError);
      expect(error).toBeInstanceOf(UserError);
      expect((error as PbxUrlError).message).toBe('PostgreSQL support is not built yet');
      expect((error as PbxUrlError).hint).toContain('sqlite:');
      expect(JSON.stringify([(error as Error).message, (error as PbxUrlError).hint])).not.toContain('s3cret');
    },
  );

  it('names an unknown scheme but not the rest of the URL', async () => {
    const error = await openPbx('mysql://root:s3cret@db/kamailio', BASE).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PbxUrlError);
    expect((error as Error).message).toBe('unsupported PBX URL scheme "mysql:" (supported: sqlite:)');
  });

  it('refuses a bare path, pointing at the sqlite: prefix', async () => {
    const error = await openPbx('pbx.sqlite', BASE).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PbxUrlError);
    expect((error as PbxUrlError).hint).toContain('sqlite:pbx.sqlite');
  });
});
