/**
 * What every tenant lock shares: who we are (as the holder others see), and the wait loop
 * around a provider's non-blocking attempt. Polling rather than blocking keeps the timeout,
 * the "waiting for …" notice and the holder in the error under our control on every database.
 */
import { hostname, userInfo } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { PbxLockTimeoutError } from './errors.js';
import type { LockHolder, LockOptions, PbxLock } from './provider.js';

/** `user@host pid N`: enough to find the other apply and ask its owner (or kill it). */
export function selfDescription(): string {
  let user = process.env.USER ?? 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (some containers): keep $USER.
  }
  return `${user}@${hostname()} pid ${process.pid}`;
}

/** One non-blocking attempt: the lock, or who holds it (null when unknown). */
export type TryLock = () => Promise<{ readonly lock: PbxLock } | { readonly holder: LockHolder | null }>;

const FIRST_PAUSE_MS = 50;
const MAX_PAUSE_MS = 500;

export async function waitForLock(domain: string, options: LockOptions, attempt: TryLock): Promise<PbxLock> {
  const started = Date.now();
  let pause = FIRST_PAUSE_MS;
  let told = false;
  for (;;) {
    const result = await attempt();
    if ('lock' in result) return result.lock;
    const waited = Date.now() - started;
    if (waited >= options.timeoutMs) throw new PbxLockTimeoutError(options.tenant ?? domain, result.holder, waited);
    if (!told) options.onWait?.(result.holder);
    told = true;
    await sleep(Math.min(pause, Math.max(1, options.timeoutMs - waited)));
    pause = Math.min(pause * 2, MAX_PAUSE_MS);
  }
}
