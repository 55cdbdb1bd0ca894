/**
 * When and how long to wait before retrying a request to Graph or the authority. Pure: the
 * clock, the sleep and the random source are passed in, so tests run without real waits.
 *
 * Throttled (429) and unavailable (503/504) answers and dropped connections are retried:
 * 429/503 after the server's `Retry-After` when it gives one, otherwise after a capped
 * exponential backoff with full jitter (a random wait between 0 and the cap, so that many
 * clients throttled together do not come back together). All waits of one read share one
 * budget; once it would be exceeded the read fails instead of returning a partial answer.
 */

/** What the retry loop needs from the outside world. */
export interface RetryClock {
  /** Resolves after `ms` milliseconds. */
  sleep(ms: number): Promise<void>;
  /** A number in [0, 1). */
  random(): number;
  /** Milliseconds since the epoch (only used to turn an HTTP-date `Retry-After` into a wait). */
  now(): number;
}

export const realClock: RetryClock = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
  now: Date.now,
};

export interface RetryPolicy {
  /** Longest total wait across every retry of one read. */
  readonly maxWaitMs: number;
  /** Backoff of the first retry when the server gives no `Retry-After`. */
  readonly baseDelayMs: number;
  /** Largest single backoff. */
  readonly maxDelayMs: number;
  /** Attempts per request (first try included), so that `Retry-After: 0` cannot loop forever. */
  readonly maxAttempts: number;
}

export function retryPolicy(maxWaitMs: number): RetryPolicy {
  return { maxWaitMs, baseDelayMs: 500, maxDelayMs: 30_000, maxAttempts: 12 };
}

/** Status codes worth retrying: throttled, service unavailable, gateway timeout. */
export function isTransientStatus(status: number): boolean {
  return status === 429 || status === 503 || status === 504;
}

/**
 * `Retry-After` as milliseconds: delta-seconds (Graph may send fractions, e.g. `1.5`) or an
 * HTTP-date. Undefined when absent or unreadable; a date in the past means no wait.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text) * 1000);
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Full jitter: uniform in [0, min(cap, base · 2^retry)). `retry` counts from 0. */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(retry, 30));
  return Math.floor(random() * ceiling);
}

/** The wait shared by every request of one read. */
export class RetryBudget {
  private waitedMs = 0;

  constructor(readonly policy: RetryPolicy) {}

  get waited(): number {
    return this.waitedMs;
  }

  /** Books `ms` of waiting; false (and nothing booked) when that would exceed the budget. */
  take(ms: number): boolean {
    if (this.waitedMs + ms > this.policy.maxWaitMs) return false;
    this.waitedMs += ms;
    return true;
  }
}
