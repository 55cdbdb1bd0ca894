import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EMPTY_STORED_STATE, type StoredTenantState } from '../../src/model/stored-state.js';
import { openStateStore } from '../../src/state/state-store.js';

const state: StoredTenantState = {
  version: 1,
  accounts: { 'id-1': { username: 'alice', extension: '1001', generation: 1, status: 'active' } },
  retired: ['1002'],
};

describe('file state store', () => {
  it('round-trips per tenant, as readable JSON with mode 0600', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pbxsync-state-')), 'acme.pbxsync-state.json');
    const store = openStateStore(`file:${file}`);
    expect(await store.load('acme')).toEqual(EMPTY_STORED_STATE);
    await store.save('acme', state);
    await store.save('globex', EMPTY_STORED_STATE);
    await store.close();
    const again = openStateStore(`file:${file}`);
    expect(await again.load('acme')).toEqual(state);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))['pbxsync:tenant:acme'].value.accounts['id-1'].extension).toBe('1001');
  });

  it('refuses a corrupt file with a clear error instead of starting afresh', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pbxsync-state-')), 's.json');
    writeFileSync(file, '{ not json');
    await expect(openStateStore(`file:${file}`).load('acme')).rejects.toThrow(/is not valid JSON/);
  });

  it('refuses unknown store URLs', () => {
    expect(() => openStateStore('redis://localhost')).toThrow(/not supported/);
  });
});
