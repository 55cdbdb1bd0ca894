/**
 * Passwords derived from the master key, so that a rebuild reproduces them and no plan or
 * state file ever holds one: HMAC-SHA256(masterKey, purpose | tenant | object id | generation),
 * expanded with a counter and mapped without bias onto an alphabet that avoids look-alikes.
 */
import { createHash, createHmac } from 'node:crypto';

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789'; // 56: no 0/O, 1/l/I
const LIMIT = 256 - (256 % ALPHABET.length); // bytes at or above this would bias the mapping
export const PASSWORD_LENGTH = 20;

export type Purpose = 'sip' | 'softphone';

export function derivePassword(masterKey: Buffer, tenant: string, objectId: string, generation: number, purpose: Purpose): string {
  let out = '';
  for (let block = 0; out.length < PASSWORD_LENGTH; block++) {
    const mac = createHmac('sha256', masterKey)
      .update(['pbxsync-v1', purpose, tenant, objectId.toLowerCase(), String(generation), String(block)].join('\u0000'))
      .digest();
    for (const byte of mac) {
      if (byte < LIMIT && out.length < PASSWORD_LENGTH) out += ALPHABET[byte % ALPHABET.length];
    }
  }
  return out;
}

function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

/** Kamailio auth_db's HA1 (`username:realm:password`) and HA1B (`username@domain:realm:password`). */
export function digestHashes(username: string, domain: string, password: string): { ha1: string; ha1b: string } {
  return { ha1: md5(`${username}:${domain}:${password}`), ha1b: md5(`${username}@${domain}:${domain}:${password}`) };
}
