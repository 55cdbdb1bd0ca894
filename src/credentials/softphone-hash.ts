/**
 * The stored form of the softphone password, in a self-describing string that fits Kamailio's
 * 128-character preference value.
 *
 * The password is 20 characters drawn without bias from 56 symbols (about 116 bits), derived
 * from the master key, never chosen by a person. Key stretching makes guessing a *weak*
 * password slower; against 2^116 candidates it adds nothing measurable (at 10^12 guesses a
 * second, a salted HMAC-SHA256 still takes ~10^15 years to search half the space). So the
 * default is PBKDF2-HMAC-SHA256 with one iteration — a standard, verifiable construction
 * (RFC 8018) that costs ~20 µs instead of scrypt's 20–70 ms, which made the first import of a
 * 20,000-user tenant spend minutes hashing. An ISP with another policy sets more iterations
 * (or scrypt) in its configuration; existing hashes of any supported form keep verifying and
 * are written in the current form when the account's passwords change.
 *
 * Formats (salt and hash unpadded base64, standard alphabet):
 *   $pbkdf2-sha256$i=<iterations>,l=32$<salt>$<hash>   (the PHC string format)
 *   scrypt$<N>$<r>$<p>$<salt>$<hash>                     (base64url; pbxsync before 0.2)
 */
import { pbkdf2, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

export type SoftphoneHashPolicy =
  { readonly scheme: 'pbkdf2-sha256'; readonly iterations: number } | { readonly scheme: 'scrypt'; readonly n: number; readonly r: number; readonly p: number };

export const DEFAULT_SOFTPHONE_HASH: SoftphoneHashPolicy = { scheme: 'pbkdf2-sha256', iterations: 1 };

const KEY_LENGTH = 32;

function pbkdf2Async(password: string, salt: Buffer, iterations: number): Promise<Buffer> {
  return new Promise((resolve, reject) => pbkdf2(password, salt, iterations, KEY_LENGTH, 'sha256', (err, key) => (err ? reject(err) : resolve(key))));
}

function scryptAsync(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEY_LENGTH, { N: n, r, p, maxmem: 256 * n * r }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

const b64 = (b: Buffer): string => b.toString('base64').replace(/=+$/, '');

export async function hashSoftphonePassword(password: string, policy: SoftphoneHashPolicy = DEFAULT_SOFTPHONE_HASH): Promise<string> {
  const salt = randomBytes(16);
  if (policy.scheme === 'scrypt') {
    const key = await scryptAsync(password, salt, policy.n, policy.r, policy.p);
    return ['scrypt', policy.n, policy.r, policy.p, salt.toString('base64url'), key.toString('base64url')].join('$');
  }
  const key = await pbkdf2Async(password, salt, policy.iterations);
  return `$pbkdf2-sha256$i=${policy.iterations},l=${KEY_LENGTH}$${b64(salt)}$${b64(key)}`;
}

export async function verifySoftphonePassword(password: string, stored: string): Promise<boolean> {
  const phc = /^\$pbkdf2-sha256\$i=(\d+),l=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(stored);
  if (phc) {
    const expected = Buffer.from(phc[4]!, 'base64');
    const key = await pbkdf2Async(password, Buffer.from(phc[3]!, 'base64'), Number(phc[1]));
    return expected.length === key.length && timingSafeEqual(expected, key);
  }
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const key = await scryptAsync(password, Buffer.from(salt, 'base64url'), Number(n), Number(r), Number(p));
  const expected = Buffer.from(hash, 'base64url');
  return expected.length === key.length && timingSafeEqual(expected, key);
}
