/**
 * Saved plans are signed with a key derived from the master key (never the key itself): only
 * a run holding the tenant's key can make a plan that `apply --plan` accepts, and any edit of
 * the document — a safety verdict set to ok, a change added — breaks the signature.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { writeCanonicalJson } from '../core/canonical-json.js';

const SCHEME = 'hmac-sha256';

export function planSigningKey(masterKey: Buffer): Buffer {
  return createHmac('sha256', masterKey).update('pbxsync plan signature v1').digest();
}

/** The signature of a document body (everything but `signature`). */
export function signBody(body: unknown, key: Buffer): string {
  const mac = createHmac('sha256', key);
  writeCanonicalJson(body, (piece) => mac.update(piece));
  return `${SCHEME}:${mac.digest('hex')}`;
}

export function verifyBody(body: unknown, signature: string, key: Buffer): boolean {
  const expected = Buffer.from(signBody(body, key));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
