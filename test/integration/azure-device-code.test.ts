/**
 * `discover --device-code` when the sign-in in the browser does not end in a token: declined,
 * expired, or a code the authority does not know. Driven through the real msal-node public
 * client against the emulator, whose device codes poll at interval 0 (no waiting).
 */
import { AuthError } from '@azure/msal-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/app/logger.js';
import { AzureSource } from '../../src/directory/azure-source.js';
import { deviceCodeError } from '../../src/directory/azure/device-code-errors.js';
import { UserError } from '../../src/errors.js';
import type { DeviceSignIn } from '../graph-emulator/auth-endpoints.js';
import type { GraphEmulator } from '../graph-emulator/server.js';
import { acmeEmulator, azureConfig, CLIENT_ID, SECRET, TENANT_ID } from '../support/azure-fixture.js';

let em: GraphEmulator;
beforeEach(async () => {
  em = await acmeEmulator();
  em.auth.deviceCodeInterval = 0;
});
afterEach(async () => {
  await em.stop();
});

/** Signs in with a device code; returns what it failed with and the prompts shown. */
async function signIn(outcome: DeviceSignIn['outcome'], pendingPolls = 0): Promise<{ err: UserError; prompts: string[] }> {
  em.auth.deviceSignIn = { outcome, pendingPolls };
  const prompts: string[] = [];
  const log: Logger = { info: () => undefined, warn: (m) => prompts.push(m), progress: () => undefined };
  const source = new AzureSource(azureConfig(em, { credential: { kind: 'none' }, delta: false }), { log, deviceCode: true });
  try {
    const err: unknown = await source.listUsers().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UserError);
    return { err: err as UserError, prompts };
  } finally {
    await source.close();
  }
}

const polls = () => em.log.filter((r) => r.path.endsWith('/oauth2/v2.0/token')).length;

describe('device-code sign-in that ends without a token', () => {
  it.each([
    ['decline', 'authorization_declined'],
    ['deny', 'access_denied'],
  ] as const)('declined in the browser (%s → %s): one line with a hint, nothing read', async (outcome, error) => {
    const { err, prompts } = await signIn(outcome);
    expect(prompts.join('\n')).toMatch(/devicelogin.*EMU12345/);
    expect(err.message).toBe(`the device-code sign-in was declined in the browser (${error}, AADSTS65004)`);
    expect(err.hint).toBe(
      'run again and accept the permissions in the browser; the account must be allowed to consent for the directory (e.g. a Global Administrator)',
    );
    expect(em.graphRequests()).toEqual([]);
    expect(`${err.message} ${err.hint}`).not.toMatch(new RegExp(`${TENANT_ID}|${CLIENT_ID}|${SECRET}`));
  });

  it('keeps polling while the admin is still on the sign-in page, then reports the decline', async () => {
    const { err } = await signIn('decline', 3);
    expect(err.message).toMatch(/was declined in the browser/);
    expect(polls()).toBe(4);
  });

  it('a code that expired before the sign-in was finished names its lifetime', async () => {
    em.auth.deviceCodeLifetime = 600;
    const { err } = await signIn('expire', 1);
    expect(err.message).toBe('the device code expired after 10 minutes, before the sign-in was finished (expired_token, AADSTS70019)');
    expect(err.hint).toBe('run again and finish the sign-in in the browser within 10 minutes');
  });

  it('a code the authority does not know', async () => {
    const { err } = await signIn('lose');
    expect(err.message).toBe('Entra ID does not know the device code of this sign-in (bad_verification_code, AADSTS70018)');
    expect(err.hint).toMatch(/^run again and enter the new code/);
  });
});

describe('device-code sign-in refused for other reasons', () => {
  it('an app registration that does not allow public client flows (AADSTS7000218)', async () => {
    em.directory.apps.get(CLIENT_ID)!.publicClient = false;
    const { err } = await signIn('approve');
    expect(err.message).toBe('the app registration does not allow the device-code sign-in (invalid_client, AADSTS7000218)');
    expect(err.hint).toMatch(/Allow public client flows/);
  });

  it('an app the authority does not know refuses the device-code request itself (AADSTS700016)', async () => {
    em.directory.apps.delete(CLIENT_ID);
    const { err, prompts } = await signIn('approve');
    expect(prompts).toEqual([]); // no instructions without a code
    expect(err.message).toMatch(/AADSTS700016/);
    expect(err.hint).toMatch(/adminconsent\?client_id=/);
    expect(polls()).toBe(0);
  });

  it('an answer no device-code mapping knows is still one line, with its code and a lookup link', async () => {
    em.faults.add({ kind: 'error', status: 400, code: 'invalid_grant', service: 'auth', path: /token$/, every: 1 });
    const { err } = await signIn('approve');
    expect(err.message).toBe('Entra ID refused the token request (invalid_grant, AADSTS50000)');
    expect(err.hint).toMatch(/^look the code up at https:\/\/login\.microsoftonline\.com\/error\?code=50000/);
  });
});

describe('the device-code errors msal raises itself', () => {
  it('msal stops polling once the code has outlived expires_in (device_code_expired)', () => {
    const err = deviceCodeError(new AuthError('device_code_expired', '', 'Device code is expired.'), '', 900);
    expect(err?.message).toBe('the device code expired after 15 minutes, before the sign-in was finished (device_code_expired)');
  });

  it('leaves errors that are not about the device code to the other mappings', () => {
    expect(
      deviceCodeError(new AuthError('post_request_failed', '', 'invalid_client'), 'invalid_client: AADSTS7000215: Invalid client secret provided.', 900),
    ).toBeUndefined();
    expect(deviceCodeError(new Error('socket hang up'), '', 900)).toBeUndefined();
  });
});
