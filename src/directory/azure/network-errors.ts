/**
 * Sorting the errors `fetch` throws (undici wraps the socket error in `cause`) into what the
 * retry loop and the error messages need: a dropped connection is retried, an unreachable
 * host or an untrusted certificate is reported at once with a hint.
 */
import { UserError } from '../../errors.js';

export type NetworkFailure = 'reset' | 'unreachable' | 'timeout' | 'tls' | 'not-tls' | 'other';

const RESET = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNABORTED']);
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EHOSTDOWN', 'EADDRNOTAVAIL']);
const TIMEOUT = new Set(['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** The innermost error code (or name) in an error's `cause` chain. */
function networkCode(err: unknown): string | undefined {
  let found: string | undefined;
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string') found = code;
    else if (e.name === 'TimeoutError' || e.name === 'AbortError') found = 'ETIMEDOUT';
    else if (/socket hang up|other side closed/i.test(e.message)) found = 'ECONNRESET';
  }
  return found;
}

export function classifyNetworkError(err: unknown): NetworkFailure {
  const code = networkCode(err);
  if (code === undefined) return 'other';
  if (RESET.has(code)) return 'reset';
  if (UNREACHABLE.has(code)) return 'unreachable';
  if (TIMEOUT.has(code)) return 'timeout';
  if (/CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS/.test(code)) return 'tls';
  // OpenSSL's errors for a handshake that went wrong: mostly a peer that is not TLS at all
  // (plain HTTP on the port, another protocol), or no TLS version in common.
  if (/^ERR_SSL_/.test(code) || code === 'EPROTO') return 'not-tls';
  return 'other';
}

/**
 * A `UserError` for a host that cannot be talked to, or undefined when `err` is not such a
 * failure (then it is a bug and keeps its stack). `what` names the service, e.g. "Microsoft Graph".
 */
export function unreachableError(err: unknown, what: string, origin: string, timeoutMs: number): UserError | undefined {
  const code = networkCode(err) ?? '';
  const key = what === 'Microsoft Graph' ? 'graph_endpoint' : 'authority_host';
  switch (classifyNetworkError(err)) {
    case 'unreachable':
      return new UserError(`cannot reach ${what} at ${origin} (${code})`, `check source.${key}, DNS and the firewall; nothing was changed`);
    case 'timeout':
      return new UserError(
        `${what} at ${origin} did not answer within ${timeoutMs / 1000} s`,
        'check the network path, or raise source.request_timeout_seconds; nothing was changed',
      );
    case 'tls':
      return new UserError(
        `the TLS certificate of ${origin} is not trusted (${code})`,
        'if a proxy or emulator uses its own certificate authority, name its PEM file in source.ca_file',
      );
    case 'not-tls':
      return new UserError(
        `the TLS handshake with ${what} at ${origin} failed (${code})`,
        `the port may answer plain HTTP or another protocol: check the scheme and port of source.${key}, and any proxy in between; nothing was changed`,
      );
    case 'reset':
      return new UserError(`${what} at ${origin} kept dropping the connection (${code})`, 'retry later; nothing was changed');
    default:
      return undefined;
  }
}
