/**
 * How a device-code sign-in (`discover --device-code`) ends without a token, as one line
 * and a hint. While the admin is still in the browser the authority answers
 * `authorization_pending` (AADSTS70016) and msal keeps polling; any other answer ends the
 * polling, and msal reports it as `post_request_failed` whose message is the OAuth `error`
 * (the AADSTS code is only in the description, kept by `MsalNetworkClient`). msal also stops
 * by itself once the code has outlived its `expires_in` (`device_code_expired`). The
 * messages name no value of the tenant file (any of them may come from the environment).
 */
import { AuthError } from '@azure/msal-node';
import { UserError } from '../../errors.js';

type Ending = 'declined' | 'expired' | 'unknown-code' | 'public-client-off';

/** OAuth `error` values and AADSTS codes of each ending (Microsoft's device code flow docs). */
const ENDINGS: readonly [Ending, readonly string[]][] = [
  ['declined', ['authorization_declined', 'access_denied', 'AADSTS65004']],
  ['expired', ['expired_token', 'device_code_expired', 'AADSTS70019']],
  ['unknown-code', ['bad_verification_code', 'AADSTS70018']],
  // A confidential client's secret was expected: public client flows are off for the app.
  ['public-client-off', ['AADSTS7000218']],
];

/**
 * `lastDescription`: `error: error_description` of the last error answer; `expiresInSeconds`:
 * the code's lifetime as the device-code answer gave it. Undefined when `err` is not a
 * device-code ending (then the general msal mapping applies).
 */
export function deviceCodeError(err: unknown, lastDescription: string, expiresInSeconds: number | undefined): UserError | undefined {
  if (!(err instanceof AuthError)) return undefined;
  const answer = answerOf(err, lastDescription);
  const found = ENDINGS.find(([, words]) => words.some((w) => new RegExp(`\\b${w}\\b`).test(answer.text)));
  if (!found) return undefined;
  const tag = [answer.error, /AADSTS\d+/.exec(answer.text)?.[0]].filter(Boolean).join(', ');
  return ending(found[0], tag, expiresInSeconds);
}

/**
 * The OAuth error and the text to search. msal's own errors carry their code (and the last
 * description may be an `authorization_pending` from before); a server answer that ended the
 * polling is `post_request_failed` with the OAuth `error` as its message.
 */
function answerOf(err: AuthError, lastDescription: string): { error: string; text: string } {
  if (err.errorCode !== 'post_request_failed') return { error: err.errorCode, text: `${err.errorCode} ${err.errorMessage} ${err.subError}` };
  return { error: err.errorMessage.trim(), text: `${err.errorMessage} ${lastDescription}` };
}

function ending(kind: Ending, tag: string, expiresInSeconds: number | undefined): UserError {
  const lifetime = expiresInSeconds !== undefined && expiresInSeconds > 0 ? duration(expiresInSeconds) : undefined;
  switch (kind) {
    case 'declined':
      return new UserError(
        `the device-code sign-in was declined in the browser (${tag})`,
        'run again and accept the permissions in the browser; the account must be allowed to consent for the directory (e.g. a Global Administrator)',
      );
    case 'expired':
      return new UserError(
        `the device code expired${lifetime ? ` after ${lifetime}` : ''}, before the sign-in was finished (${tag})`,
        `run again and finish the sign-in in the browser ${lifetime ? `within ${lifetime}` : 'in time'}`,
      );
    case 'unknown-code':
      return new UserError(
        `Entra ID does not know the device code of this sign-in (${tag})`,
        'run again and enter the new code at the address shown; a code is good for one sign-in, and only at the authority (source.authority_host) that issued it',
      );
    case 'public-client-off':
      return new UserError(
        `the app registration does not allow the device-code sign-in (${tag})`,
        'in the Entra admin center, App registrations → the app → Authentication: set "Allow public client flows" to Yes; or run without --device-code, with the app\'s credential',
      );
  }
}

function duration(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} seconds`;
  return `${Math.round(seconds / 60)} minutes`;
}
