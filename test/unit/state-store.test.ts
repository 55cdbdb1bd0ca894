import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { EMPTY_STORED_STATE, type StoredTenantState } from '../../src/model/stored-state.js';
import { cacheFilePath, openCacheStore, openStateStore } from '../../src/state/state-store.js';
import { tempDir } from '../support/tmp.js';

const state: StoredTenantState = {
  version: 2,
  keyId: 'k1-0123456789abcdef',
  accounts: { 'id-1': { username: 'alice', extensions: ['1001'], generation: 1, status: 'active' } },
  retired: ['1002'],
};

const folder = () => tempDir('pbxsync-state-');

describe('file state store', () => {
  it('round-trips per tenant, as readable JSON with mode 0600', async () => {
    const file = join(folder(), 'acme.pbxsync-state.json');
    const store = openStateStore(`file:${file}`);
    expect(await store.load('acme')).toEqual(EMPTY_STORED_STATE);
    await store.save('acme', state);
    await store.save('globex', EMPTY_STORED_STATE);
    await store.close();
    const again = openStateStore(`file:${file}`);
    expect(await again.load('acme')).toEqual(state);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))['pbxsync:tenant:acme'].value.accounts['id-1'].extensions).toEqual(['1001']);
  });

  it('reads a version 1 record and upgrades it', async () => {
    const file = join(folder(), 'acme.pbxsync-state.json');
    const v1 = {
      version: 1,
      accounts: {
        'ID-2': { username: 'bob', extension: '1003', generation: 2, status: 'disabled' },
        'id-3': { username: 'eve', extension: '1004', generation: 1, status: 'deleted' },
      },
      retired: ['1004'],
    };
    writeFileSync(file, JSON.stringify({ 'pbxsync:tenant:acme': { value: v1, expires: null } }));
    expect(await openStateStore(`file:${file}`).load('acme')).toEqual({
      version: 2,
      keyId: null,
      accounts: {
        'id-2': { username: 'bob', extensions: ['1003'], generation: 2, status: 'disabled' },
        'id-3': { username: 'eve', extensions: [], generation: 1, status: 'deleted' },
      },
      retired: ['1004'],
    });
  });

  it.each([
    ['is not JSON', '{ not json', /is not valid JSON/],
    ['holds null', 'null', /does not hold a JSON object/],
    [
      'holds a broken record',
      JSON.stringify({ 'pbxsync:tenant:acme': { value: { version: 2, keyId: null, accounts: { x: { username: 'a' } }, retired: [] } } }),
      /^the state of tenant acme in .* is not a pbxsync tenant record: \/accounts\/x must have required property/,
    ],
    ['holds an unknown version', JSON.stringify({ 'pbxsync:tenant:acme': { value: { version: 7 } } }), /is not a pbxsync tenant record/],
  ])('refuses a state file that %s with one clear line instead of starting afresh', async (_what, content, message) => {
    const file = join(folder(), 's.json');
    writeFileSync(file, content);
    const error = await openStateStore(`file:${file}`)
      .load('acme')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(message);
    expect((error as UserError).hint).toMatch(/PBX rows hold the same record/);
  });

  it('refuses a state file that is a folder', async () => {
    const dir = join(folder(), 'state.json');
    mkdirSync(dir);
    await expect(openStateStore(`file:${dir}`).load('acme')).rejects.toThrow(/is a folder/);
  });

  it('keeps every tenant of a shared file when many writers save at once', async () => {
    const file = join(folder(), 'shared.pbxsync-state.json');
    const stores = Array.from({ length: 12 }, () => openStateStore(`file:${file}`));
    await Promise.all(stores.map((s, i) => s.save(`t${i}`, { ...state, retired: [String(2000 + i)] })));
    const reader = openStateStore(`file:${file}`);
    for (let i = 0; i < stores.length; i++) expect((await reader.load(`t${i}`)).retired).toEqual([String(2000 + i)]);
    expect(readdirSync(join(file, '..')).filter((f) => f.endsWith('.tmp') || f.endsWith('.lock'))).toEqual([]);
  });

  it('refuses unknown store URLs', () => {
    expect(() => openStateStore('redis://localhost')).toThrow(/not supported/);
  });
});

describe('file cache store', () => {
  it('lives in its own file, writes only what changed, and treats an unreadable file as empty', async () => {
    const dir = folder();
    const stateFile = join(dir, 'acme.pbxsync-state.json');
    expect(cacheFilePath(stateFile)).toBe(join(dir, 'acme.pbxsync-cache.json'));
    const cache = openCacheStore(`file:${stateFile}`);
    await cache.save('k', { a: 1 });
    const written = statSync(cacheFilePath(stateFile)).mtimeMs;
    const before = readFileSync(cacheFilePath(stateFile), 'utf8');
    await cache.save('k', { a: 1 });
    expect(readFileSync(cacheFilePath(stateFile), 'utf8')).toBe(before);
    expect(statSync(cacheFilePath(stateFile)).mtimeMs).toBe(written);
    expect(await cache.load('k')).toEqual({ a: 1 });
    writeFileSync(cacheFilePath(stateFile), 'garbage');
    expect(await cache.load('k')).toBeUndefined();
    await cache.save('k', { a: 2 });
    expect(await cache.load('k')).toEqual({ a: 2 });
    expect(await openStateStore(`file:${stateFile}`).load('acme')).toEqual(EMPTY_STORED_STATE);
  });
});
