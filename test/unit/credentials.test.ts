import { createHash } from 'node:crypto';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CredentialDeriver } from '../../src/credentials/credentials.js';
import { derivePassword, digestHashes, PASSWORD_LENGTH } from '../../src/credentials/derive.js';
import { loadMasterKey } from '../../src/credentials/master-key.js';
import { hashSoftphonePassword, verifySoftphonePassword } from '../../src/credentials/softphone-hash.js';
import { UserError } from '../../src/errors.js';

const key = Buffer.alloc(32, 7);
const id = '5f1c2d3e-0000-4000-8000-000000000001';

describe('derivePassword', () => {
  it('is deterministic per tenant, user, generation and purpose', () => {
    const p = derivePassword(key, 'acme', id, 1, 'sip');
    expect(p).toHaveLength(PASSWORD_LENGTH);
    expect(p).toMatch(/^[A-HJ-NP-Za-km-z2-9]+$/);
    expect(derivePassword(key, 'acme', id, 1, 'sip')).toBe(p);
    const others = [
      derivePassword(key, 'globex', id, 1, 'sip'),
      derivePassword(key, 'acme', id.replace('1', '2'), 1, 'sip'),
      derivePassword(key, 'acme', id, 2, 'sip'),
      derivePassword(key, 'acme', id, 1, 'softphone'),
      derivePassword(Buffer.alloc(32, 8), 'acme', id, 1, 'sip'),
    ];
    expect(new Set([p, ...others]).size).toBe(6);
  });
});

describe('digestHashes', () => {
  it('computes Kamailio HA1 and HA1B', () => {
    const md5 = (s: string) => createHash('md5').update(s).digest('hex');
    expect(digestHashes('alice', 'acme.com', 'secret')).toEqual({ ha1: md5('alice:acme.com:secret'), ha1b: md5('alice@acme.com:acme.com:secret') });
  });
});

describe('CredentialDeriver', () => {
  const view = { objectId: id, username: 'alice', extension: '1001', displayName: 'A', upn: 'a@acme.com', status: 'active' as const, generation: 1, preferences: {} };
  it('recognises the rows it would write, and not others', () => {
    const d = new CredentialDeriver(key, 'acme', 'acme.com', false);
    const { ha1, ha1b } = d.derive(view);
    expect(d.matches(view, { username: 'alice', ha1, ha1b, hasPlaintext: false })).toBe(true);
    expect(d.matches({ ...view, generation: 2 }, { username: 'alice', ha1, ha1b, hasPlaintext: false })).toBe(false);
    expect(d.matches(view, { username: 'alice', ha1, ha1b, hasPlaintext: true })).toBe(false);
  });
});

describe('softphone hash', () => {
  it('is salted and verifies', async () => {
    const a = await hashSoftphonePassword('pw-1');
    const b = await hashSoftphonePassword('pw-1');
    expect(a).not.toBe(b);
    expect(a.length).toBeLessThanOrEqual(128);
    expect(await verifySoftphonePassword('pw-1', a)).toBe(true);
    expect(await verifySoftphonePassword('pw-2', a)).toBe(false);
  });
});

describe('loadMasterKey', () => {
  it('creates a 0600 key file on first use, then reuses it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pbxsync-key-'));
    const env = { PBXSYNC_MASTER_KEY_FILE: join(dir, 'sub', 'master.key') };
    const first = loadMasterKey(env);
    expect(first.created).toBe(true);
    expect(statSync(env.PBXSYNC_MASTER_KEY_FILE).mode & 0o777).toBe(0o600);
    const second = loadMasterKey(env);
    expect(second.created).toBe(false);
    expect(second.key.equals(first.key)).toBe(true);
  });

  it('prefers PBXSYNC_MASTER_KEY and refuses short keys and loose files', () => {
    expect(loadMasterKey({ PBXSYNC_MASTER_KEY: Buffer.alloc(32, 1).toString('base64') }).key).toEqual(Buffer.alloc(32, 1));
    expect(() => loadMasterKey({ PBXSYNC_MASTER_KEY: 'c2hvcnQ=' })).toThrow(UserError);
    const dir = mkdtempSync(join(tmpdir(), 'pbxsync-key-'));
    const file = join(dir, 'k');
    writeFileSync(file, Buffer.alloc(32, 1).toString('base64'), { mode: 0o644 });
    expect(() => loadMasterKey({ PBXSYNC_MASTER_KEY_FILE: file })).toThrow(/readable by others/);
  });
});
