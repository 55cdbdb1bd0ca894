/**
 * Whether a URL belongs to the configured Graph endpoint, so that the bearer token is only
 * ever sent there. Same origin, or — for a local emulator — the same port on another name of
 * the loopback host (`localhost` vs `127.0.0.1`), since links may be built from either.
 */
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export function isSameService(url: string, origin: string): boolean {
  const a = new URL(url);
  const b = new URL(origin);
  if (a.origin === b.origin) return true;
  return a.protocol === b.protocol && a.port === b.port && LOOPBACK.has(a.hostname) && LOOPBACK.has(b.hostname);
}

/** Host names the Graph client must treat as Graph (it attaches the token only to those). */
export function serviceHostNames(origin: string): string[] {
  const host = new URL(origin).hostname;
  return LOOPBACK.has(host) ? [...LOOPBACK] : [host];
}
