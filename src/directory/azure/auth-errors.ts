/**
 * msal and authority errors as one line and a hint. Entra ID names the problem with an
 * `AADSTSnnnnn` code inside `error_description`; the ones an operator can fix are mapped,
 * naming the app and the tenant (never the secret); the rest get a generic line from
 * `msal-fallback-errors.ts`.
 */
import { AuthError } from '@azure/msal-node';
import { UserError } from '../../errors.js';
import { consentHint } from './consent.js';
import { msalFallbackError } from './msal-fallback-errors.js';
import type { MsalNetworkClient } from './msal-network.js';
import { unreachableError } from './network-errors.js';
import type { AzureSourceConfig } from './token-source.js';

const BAD_CREDENTIAL = new Set(['7000215', '7000222', '700027', '700024', '7000274', '700023', '7000216']);
const NO_CONSENT = new Set(['65001', '700016', '7000112', '500011']);

export function authError(err: unknown, source: AzureSourceConfig, network: MsalNetworkClient): UserError | undefined {
  const failure = network.lastFailure;
  if (failure instanceof UserError) return failure;
  if (failure !== undefined) {
    const origin = new URL(source.authorityHost).origin;
    const mapped = unreachableError(failure, 'the Entra ID authority', origin, source.requestTimeoutMs);
    if (mapped) return mapped;
  }
  if (err instanceof UserError) return err;
  if (!(err instanceof AuthError)) return undefined;
  return fromAadsts(err, source, network.lastErrorDescription) ?? msalFallbackError(err, network.lastErrorDescription);
}

function fromAadsts(err: AuthError, source: AzureSourceConfig, lastDescription: string): UserError | undefined {
  const text = `${err.errorMessage} ${err.subError} ${lastDescription}`;
  const code = /AADSTS(\d+)/.exec(text)?.[1];
  const app = `app ${source.labels.clientId} in tenant ${source.labels.tenantId}`;
  const tag = code ? ` (AADSTS${code})` : '';
  if (code && BAD_CREDENTIAL.has(code)) {
    const what = source.credential.kind === 'certificate' ? 'certificate' : 'client secret';
    return new UserError(
      `Entra ID rejected the ${what} of ${app}${tag}`,
      source.credential.kind === 'certificate'
        ? 'check source.certificate.thumbprint and private_key_file against the certificate uploaded under Certificates & secrets of the app registration'
        : 'the variable behind source.client_secret must hold the secret VALUE (not its id) of a secret that has not expired; create a new one under Certificates & secrets',
    );
  }
  if (code && NO_CONSENT.has(code)) {
    return new UserError(`${app} has no admin consent for Microsoft Graph${tag}`, `a directory admin of the tenant must grant it: ${consentHint(source)}`);
  }
  if (code === '90002' || code === '90023' || code === '900023') {
    return new UserError(
      `tenant ${source.labels.tenantId} was not found at ${source.authorityHost}${tag}`,
      'check source.tenant_id (directory id or verified domain) and, for a national cloud, source.authority_host',
    );
  }
  if (err.errorCode === 'invalid_client' || err.errorCode === 'unauthorized_client' || err.errorCode === 'invalid_request') {
    return new UserError(
      `Entra ID refused a token to ${app}${tag}: ${firstSentence(err.errorMessage)}`,
      'check source.tenant_id, source.client_id and the credential',
    );
  }
  return undefined;
}

/** Entra's descriptions run on with trace ids and timestamps; the first sentence is the point. */
function firstSentence(text: string): string {
  const line = text.replace(/^\S+:\s*/, '').split(/\r?\n|Trace ID:/)[0] ?? text;
  return line.trim().replace(/\s+/g, ' ').slice(0, 200);
}
