/**
 * The msal errors that no AADSTS mapping in `auth-errors.ts` explains, as one line and a
 * hint: msal's own checks (a multi-tenant alias for app-only sign-in, an authority that gave
 * no OpenID configuration) and Entra ID answers with an error code nothing else maps. They
 * name no value of the tenant file (any of them may come from the environment), only keys.
 */
import { AuthError, InteractionRequiredAuthError, ServerError } from '@azure/msal-node';
import { UserError } from '../../errors.js';

/** Entra's `error` values for a failure on its own side, worth a retry. */
const SERVICE_FAILURES = new Set(['server_error', 'temporarily_unavailable']);

/** `lastDescription`: `error: error_description` of the last error answer, if any. */
export function msalFallbackError(err: AuthError, lastDescription: string): UserError | undefined {
  return fromMsalCheck(err) ?? fromServerAnswer(err, lastDescription);
}

function fromMsalCheck(err: AuthError): UserError | undefined {
  switch (err.errorCode) {
    case 'missing_tenant_id_error': // msal refuses common/organizations/consumers for client credentials
      return new UserError(
        "app-only sign-in needs the customer's own directory, and source.tenant_id is a multi-tenant alias (missing_tenant_id_error)",
        "use the customer's directory (tenant) id or one of its verified domains; `common` is only for interactive multi-tenant sign-in",
      );
    case 'endpoints_resolution_error': // the OpenID configuration request answered JSON, but not one
      return new UserError(
        'the host in source.authority_host gave no OpenID configuration for source.tenant_id (endpoints_resolution_error)',
        "check source.authority_host (https://login.microsoftonline.com, or the national cloud's login host) and source.tenant_id",
      );
    default:
      return undefined;
  }
}

/** An error answer of the token endpoint: its OAuth code and AADSTS number, with where to look it up. */
function fromServerAnswer(err: AuthError, lastDescription: string): UserError | undefined {
  const error = oauthError(err);
  if (error === undefined) return undefined;
  const aadsts = /AADSTS(\d+)/.exec(`${err.errorMessage} ${lastDescription}`)?.[1];
  const tag = [error, aadsts && `AADSTS${aadsts}`].filter(Boolean).join(', ');
  const lookup = aadsts ? `https://login.microsoftonline.com/error?code=${aadsts}` : undefined;
  if (SERVICE_FAILURES.has(error)) {
    return new UserError(`Entra ID could not issue a token (${tag})`, `Entra ID failed on its side; retry later${lookup ? ` (details: ${lookup})` : ''}`);
  }
  return new UserError(
    `Entra ID refused the token request (${tag})`,
    `${lookup ? `look the code up at ${lookup}; ` : ''}check source.tenant_id, source.client_id and the credential`,
  );
}

/**
 * The OAuth `error` of the answer msal failed on: a `ServerError`'s code, or, for the
 * device-code polling, the message of `post_request_failed` (msal passes the `error` there).
 */
function oauthError(err: AuthError): string | undefined {
  if (err instanceof ServerError || err instanceof InteractionRequiredAuthError) return err.errorCode;
  const message = err.errorMessage.trim();
  return err.errorCode === 'post_request_failed' && /^[a-z_]+$/.test(message) ? message : undefined;
}
