/**
 * Polling until something holds or the time is up, with an interval that grows (5 s, 10 s,
 * 20 s … up to 60 s by default): a new DNS record shows up within seconds on one resolver and
 * only after a TTL on another, so early checks are frequent and later ones spare the
 * servers. The clock is injectable, so tests run the schedule without real sleeps.
 */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface PollSchedule {
  readonly firstMs: number;
  readonly maxMs: number;
}

export const DEFAULT_SCHEDULE: PollSchedule = { firstMs: 5000, maxMs: 60_000 };

export interface PollStatus {
  /** Checks made so far. */
  readonly attempt: number;
  readonly nextInMs: number;
  readonly remainingMs: number;
}

export interface PollOptions<T> {
  /** How long to keep trying; the last check starts at the latest then. */
  readonly forMs: number;
  readonly schedule?: PollSchedule;
  readonly clock?: Clock;
  /** After each check that did not succeed and before the pause. */
  readonly onPending?: (result: T, status: PollStatus) => void;
}

export interface PollResult<T> {
  readonly result: T;
  readonly attempts: number;
  readonly done: boolean;
}

/** Checks at once, then after each interval, until `done` or the time is up; returns the last result. */
export async function pollUntil<T>(check: () => Promise<T>, done: (result: T) => boolean, options: PollOptions<T>): Promise<PollResult<T>> {
  const clock = options.clock ?? systemClock;
  const { firstMs, maxMs } = options.schedule ?? DEFAULT_SCHEDULE;
  const end = clock.now() + options.forMs;
  let interval = firstMs;
  for (let attempt = 1; ; attempt++) {
    const result = await check();
    if (done(result)) return { result, attempts: attempt, done: true };
    const remainingMs = end - clock.now();
    if (remainingMs <= 0) return { result, attempts: attempt, done: false };
    // The last pause is cut short, so that the last check falls at the end of the time.
    const nextInMs = Math.min(interval, remainingMs);
    options.onPending?.(result, { attempt, nextInMs, remainingMs });
    await clock.sleep(nextInMs);
    interval = Math.min(interval * 2, maxMs);
  }
}
