/**
 * The master key every password is derived from. It comes from PBXSYNC_MASTER_KEY (base64 or
 * hex, ≥ 32 bytes), else from a key file (PBXSYNC_MASTER_KEY_FILE, default
 * ~/.config/pbxsync/master.key) that is created with mode 0600 on first use.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { UserError } from '../errors.js';

export interface MasterKey {
  readonly key: Buffer;
  /** Where it came from, for messages (never the key itself). */
  readonly origin: string;
  /** Set when the key file was created by this call. */
  readonly created: boolean;
}

export function defaultKeyFile(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'pbxsync', 'master.key');
}

export function parseKey(text: string, origin: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-f]+$/i.test(trimmed) && trimmed.length % 2 === 0 ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length < 32) {
    throw new UserError(`the master key from ${origin} is too short (${key.length} bytes, need 32)`, 'generate one with: openssl rand -base64 32');
  }
  return key;
}

export function loadMasterKey(env: NodeJS.ProcessEnv = process.env): MasterKey {
  if (env.PBXSYNC_MASTER_KEY) return { key: parseKey(env.PBXSYNC_MASTER_KEY, 'PBXSYNC_MASTER_KEY'), origin: 'PBXSYNC_MASTER_KEY', created: false };
  const file = env.PBXSYNC_MASTER_KEY_FILE || defaultKeyFile(env);
  if (existsSync(file)) {
    const mode = statSync(file).mode & 0o077;
    if (mode !== 0) throw new UserError(`master key file ${file} is readable by others`, `run: chmod 600 ${file}`);
    return { key: parseKey(readFileSync(file, 'utf8'), file), origin: file, created: false };
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return { key: parseKey(readFileSync(file, 'utf8'), file), origin: file, created: true };
}
