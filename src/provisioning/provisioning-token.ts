/**
 * The name of a person's provisioning file: HMAC-SHA256 of their object id and generation
 * under a key derived from the master key (never the key itself). Deterministic, so a rerun
 * gives the same URL; not guessable without the key, since the file holds their credentials;
 * a rotation (new generation) gives a new name, so an old URL stops working.
 */
import { createHmac } from 'node:crypto';

export function provisioningToken(masterKey: Buffer, tenant: string, objectId: string, generation: number): string {
  const key = createHmac('sha256', masterKey).update('pbxsync-v1\u0000provisioning-token').digest();
  return createHmac('sha256', key)
    .update([tenant, objectId.toLowerCase(), String(generation)].join('\u0000'))
    .digest('hex')
    .slice(0, 32);
}

/** `https://prov.example/linphone/{token}.xml` → the person's URL. */
export function provisioningUrl(template: string, token: string): string {
  return template.replaceAll('{token}', token);
}
