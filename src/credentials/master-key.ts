/**
 * The master key every password is derived from. It comes from PBXSYNC_MASTER_KEY (base64 or
 * hex, ≥ 32 bytes), else from a key file (PBXSYNC_MASTER_KEY_FILE, default
 * ~/.config/pbxsync/master.key). No command creates one as a side effect: a new key on a
 * machine that has never run pbxsync would change every password of every tenant, so only
 * `pbxsync key generate` makes one, and each tenant records which key it was built with.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { UserError } from '../errors.js';
import { createPrivateFileSync } from '../fs/private-file.js';

export interface MasterKey {
  readonly key: Buffer;
  /** Where it came from, for messages (never the key itself). */
  readonly origin: string;
  /** One-way id of the key (`keyIdOf`), safe to print and to store. */
  readonly id: string;
}

export function defaultKeyFile(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'pbxsync', 'master.key');
}

/** `k1-` and 16 hex digits of an HMAC of a fixed label: names the key, reveals nothing of it. */
export function keyIdOf(key: Buffer): string {
  return `k1-${createHmac('sha256', key).update('pbxsync key id v1').digest('hex').slice(0, 16)}`;
}

export function parseKey(text: string, origin: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-f]+$/i.test(trimmed) && trimmed.length % 2 === 0 ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length < 32) {
    throw new UserError(`the master key from ${origin} is too short (${key.length} bytes, need 32)`, 'generate one with: pbxsync key generate');
  }
  return key;
}

const NO_KEY_HINT =
  'every password of a tenant derives from the key it was built with: use that key (PBXSYNC_MASTER_KEY from your CI secret store, or your backup of the key file). For a new installation, create one with `pbxsync key generate`';

export function loadMasterKey(env: NodeJS.ProcessEnv = process.env): MasterKey {
  if (env.PBXSYNC_MASTER_KEY) return withId(parseKey(env.PBXSYNC_MASTER_KEY, 'PBXSYNC_MASTER_KEY'), 'PBXSYNC_MASTER_KEY');
  const named = env.PBXSYNC_MASTER_KEY_FILE;
  const file = named || defaultKeyFile(env);
  if (!existsSync(file)) {
    const where = named ? `PBXSYNC_MASTER_KEY_FILE names ${file}, which does not exist` : `PBXSYNC_MASTER_KEY is not set and ${file} does not exist`;
    throw new UserError(`no master key: ${where}; nothing was changed`, NO_KEY_HINT);
  }
  const stat = statSync(file);
  if (stat.isDirectory()) throw new UserError(`the master key file ${file} is a folder`, 'point PBXSYNC_MASTER_KEY_FILE at the key file itself');
  if ((stat.mode & 0o077) !== 0) throw new UserError(`master key file ${file} is readable by others`, `run: chmod 600 ${file}`);
  return withId(parseKey(readFileSync(file, 'utf8'), file), file);
}

function withId(key: Buffer, origin: string): MasterKey {
  return { key, origin, id: keyIdOf(key) };
}

/** A new random key as `pbxsync key generate` writes it: base64 of 32 bytes and a newline. */
export function newKeyText(): string {
  return `${randomBytes(32).toString('base64')}\n`;
}

/** Writes a new key file (0600); refuses to replace an existing one. Returns the key's id. */
export function generateKeyFile(file: string): string {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const text = newKeyText();
  if (!createPrivateFileSync(file, text, { what: 'master key file' })) {
    throw new UserError(
      `${file} exists already; it was not changed`,
      'a key in use must never be replaced: choose another path with --out, or move the old key aside only if no tenant uses it',
    );
  }
  return keyIdOf(parseKey(text, file));
}
