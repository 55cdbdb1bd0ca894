/**
 * Delegated tokens through the device-code flow, for `discover --device-code`: msal shows
 * where to sign in and polls the authority until the admin has signed in (or declined, or
 * the code expired). The token is asked for once per run.
 */
import { AuthError, PublicClientApplication, type DeviceCodeRequest } from '@azure/msal-node';
import { UserError } from '../../errors.js';
import { authError } from './auth-errors.js';
import { DELEGATED_SCOPES } from './consent.js';
import { deviceCodeError } from './device-code-errors.js';
import type { MsalNetworkClient } from './msal-network.js';
import { msalConfig, type AzureSourceConfig, type TokenSource } from './token-source.js';

type DeviceCodeResponse = Parameters<DeviceCodeRequest['deviceCodeCallback']>[0];

/** `prompt` shows msal's instructions ("To sign in, use a web browser to open ..."). */
export function deviceCodeTokenSource(source: AzureSourceConfig, network: MsalNetworkClient, prompt: (message: string) => void): TokenSource {
  const app = new PublicClientApplication(msalConfig(source, network, {}));
  const scopes = DELEGATED_SCOPES.map((s) => `${source.graphEndpoint}/${s}`);
  let token: Promise<string> | undefined;
  let expiresIn: number | undefined; // the code's lifetime, for the message when it expires
  const deviceCodeCallback = (r: DeviceCodeResponse) => {
    if (!r.userCode || !r.deviceCode) throw refusedRequest(network.lastErrorDescription);
    expiresIn = r.expiresIn;
    prompt(r.message);
  };
  return {
    token: () => {
      token ??= app
        .acquireTokenByDeviceCode({ scopes, deviceCodeCallback })
        .then((result) => {
          if (!result) throw new Error('msal returned no token');
          return result.accessToken;
        })
        .catch((err: unknown) => {
          throw deviceCodeError(err, network.lastErrorDescription, expiresIn) ?? authError(err, source, network) ?? err;
        });
      return token;
    },
  };
}

/**
 * msal does not check the answer of the device-code request: an error answer (an unknown
 * app, a bad scope) reaches the callback as a code of `undefined`s, and msal would print
 * "undefined" and poll with no code. Thrown as the failed post msal raises for the polling,
 * so the same mappings (AADSTS codes from the kept description) apply.
 */
function refusedRequest(lastDescription: string): Error {
  const error = /^([a-z_]+):/.exec(lastDescription)?.[1];
  if (error) return new AuthError('post_request_failed', '', error);
  return new UserError(
    'the authority answered the device-code request without a code',
    "check source.authority_host (https://login.microsoftonline.com, or the national cloud's login host)",
  );
}
