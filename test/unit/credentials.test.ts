import { createHash } from 'node:crypto';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CredentialDeriver } from '../../src/credentials/credentials.js';
import { derivePassword, digestHashes, PASSWORD_LENGTH } from '../../src/credentials/derive.js';
import { generateKeyFile, keyIdOf, loadMasterKey } from '../../src/credentials/master-key.js';
import { hashSoftphonePassword, verifySoftphonePassword } from '../../src/credentials/softphone-hash.js';
import { UserError } from '../../src/errors.js';
import { tempDir } from '../support/tmp.js';

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
  const view = {
    objectId: id,
    username: 'alice',
    extensions: ['1001'],
    displayName: 'A',
    upn: 'a@acme.com',
    status: 'active' as const,
    generation: 1,
    preferences: {},
  };
  it('recognises the rows it would write, and not others', () => {
    const d = new CredentialDeriver(key, 'acme', 'acme.com');
    const { ha1, ha1b } = d.derive(view);
    expect(d.matches(view, { username: 'alice', ha1, ha1b, hasPlaintext: false })).toBe(true);
    expect(d.matches({ ...view, generation: 2 }, { username: 'alice', ha1, ha1b, hasPlaintext: false })).toBe(false);
    expect(d.matches({ ...view, username: 'alice2' }, { username: 'alice', ha1, ha1b, hasPlaintext: false })).toBe(false);
  });

  it('derives each account once per run', () => {
    const d = new CredentialDeriver(key, 'acme', 'acme.com');
    expect(d.derive(view)).toBe(d.derive({ ...view }));
    expect(d.derive({ ...view, generation: 2 }).sipPassword).not.toBe(d.derive(view).sipPassword);
  });
});

describe('softphone hash', () => {
  it('is salted PBKDF2-SHA256 in the PHC string format by default, and verifies', async () => {
    const a = await hashSoftphonePassword('pw-1');
    const b = await hashSoftphonePassword('pw-1');
    expect(a).toMatch(/^\$pbkdf2-sha256\$i=1,l=32\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(a).not.toBe(b);
    expect(a.length).toBeLessThanOrEqual(128);
    expect(await verifySoftphonePassword('pw-1', a)).toBe(true);
    expect(await verifySoftphonePassword('pw-2', a)).toBe(false);
  });

  it('is what any PBKDF2 implementation computes from the recorded parameters', async () => {
    const stored = await hashSoftphonePassword('s3cret-softphone', { scheme: 'pbkdf2-sha256', iterations: 1000 });
    const [, , params, salt, hash] = stored.split('$');
    expect(params).toBe('i=1000,l=32');
    const { pbkdf2Sync } = await import('node:crypto');
    expect(pbkdf2Sync('s3cret-softphone', Buffer.from(salt!, 'base64'), 1000, 32, 'sha256').toString('base64').replace(/=+$/, '')).toBe(hash);
  });

  it('keeps verifying the scrypt hashes pbxsync wrote before, and writes scrypt when the ISP asks for it', async () => {
    const old = await hashSoftphonePassword('pw-1', { scheme: 'scrypt', n: 1024, r: 8, p: 1 });
    expect(old).toMatch(/^scrypt\$1024\$8\$1\$/);
    expect(await verifySoftphonePassword('pw-1', old)).toBe(true);
    expect(await verifySoftphonePassword('pw-2', old)).toBe(false);
    expect(await verifySoftphonePassword('pw-1', 'plaintext')).toBe(false);
  });
});

describe('loadMasterKey', () => {
  it('never creates a key: without one it stops with a hint, and `generateKeyFile` makes one 0600, once', () => {
    const dir = tempDir('pbxsync-key-');
    const env = { PBXSYNC_MASTER_KEY_FILE: join(dir, 'sub', 'master.key') };
    expect(() => loadMasterKey(env)).toThrow(/^no master key: PBXSYNC_MASTER_KEY_FILE names .* which does not exist; nothing was changed$/);
    expect(existsSync(env.PBXSYNC_MASTER_KEY_FILE)).toBe(false);
    // The default place, under a config folder of the test's own (not this machine's home, which may hold a key).
    expect(() => loadMasterKey({ XDG_CONFIG_HOME: join(dir, 'config') })).toThrow(/PBXSYNC_MASTER_KEY is not set and .*master.key does not exist/);
    const id = generateKeyFile(env.PBXSYNC_MASTER_KEY_FILE);
    expect(statSync(env.PBXSYNC_MASTER_KEY_FILE).mode & 0o777).toBe(0o600);
    const loaded = loadMasterKey(env);
    expect(loaded.id).toBe(id);
    expect(id).toMatch(/^k1-[0-9a-f]{16}$/);
    expect(() => generateKeyFile(env.PBXSYNC_MASTER_KEY_FILE)).toThrow(/exists already; it was not changed/);
    expect(loadMasterKey(env).key.equals(loaded.key)).toBe(true);
  });

  it('names a key by a one-way id that differs between keys', () => {
    const a = keyIdOf(Buffer.alloc(32, 1));
    expect(keyIdOf(Buffer.alloc(32, 1))).toBe(a);
    expect(keyIdOf(Buffer.alloc(32, 2))).not.toBe(a);
    expect(a).not.toContain(Buffer.alloc(32, 1).toString('hex').slice(0, 8));
  });

  it('prefers PBXSYNC_MASTER_KEY and refuses short keys and loose files', () => {
    expect(loadMasterKey({ PBXSYNC_MASTER_KEY: Buffer.alloc(32, 1).toString('base64') }).key).toEqual(Buffer.alloc(32, 1));
    expect(() => loadMasterKey({ PBXSYNC_MASTER_KEY: 'c2hvcnQ=' })).toThrow(UserError);
    const dir = tempDir('pbxsync-key-');
    const file = join(dir, 'k');
    writeFileSync(file, Buffer.alloc(32, 1).toString('base64'), { mode: 0o644 });
    expect(() => loadMasterKey({ PBXSYNC_MASTER_KEY_FILE: file })).toThrow(/readable by others/);
  });
});
