/** The --wait schedule on a fake clock: growing pauses, capped, the last one cut to the deadline, no real sleep. */
import { describe, expect, it } from 'vitest';
import { pollUntil, type Clock } from '../../src/dns/poll.js';
import { spanText } from '../../src/dns/seconds.js';

function fakeClock(): Clock & { sleeps: number[] } {
  let now = 1_000_000;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

describe('pollUntil', () => {
  it('pauses 5 s, 10 s, 20 s, 40 s, then every 60 s, and stops at the deadline with the last result', async () => {
    const clock = fakeClock();
    let checks = 0;
    const r = await pollUntil(
      async () => ++checks,
      () => false,
      { forMs: 300_000, clock },
    );
    expect(clock.sleeps).toEqual([5000, 10_000, 20_000, 40_000, 60_000, 60_000, 60_000, 45_000]);
    expect(r).toEqual({ result: 9, attempts: 9, done: false });
  });

  it('returns at once when the first check succeeds', async () => {
    const clock = fakeClock();
    expect(
      await pollUntil(
        async () => 'ok',
        () => true,
        { forMs: 3_600_000, clock },
      ),
    ).toEqual({ result: 'ok', attempts: 1, done: true });
    expect(clock.sleeps).toEqual([]);
  });

  it('stops as soon as a later check succeeds, and reports each pending one', async () => {
    const clock = fakeClock();
    const seen: unknown[] = [];
    let checks = 0;
    const r = await pollUntil(
      async () => ++checks,
      (n) => n === 3,
      {
        forMs: 60_000,
        clock,
        schedule: { firstMs: 100, maxMs: 1200 },
        onPending: (n, status) => seen.push([n, status]),
      },
    );
    expect(r).toEqual({ result: 3, attempts: 3, done: true });
    expect(seen).toEqual([
      [1, { attempt: 1, nextInMs: 100, remainingMs: 60_000 }],
      [2, { attempt: 2, nextInMs: 200, remainingMs: 59_900 }],
    ]);
  });

  it('counts the time the checks take against the deadline', async () => {
    const clock = fakeClock();
    const r = await pollUntil(
      async () => clock.sleep(4000),
      () => false,
      { forMs: 10_000, clock, schedule: { firstMs: 1000, maxMs: 1000 } },
    );
    // 4 s check, 1 s pause, 4 s check, 1 s pause (cut to what is left), 4 s check: then the time is up.
    expect(clock.sleeps).toEqual([4000, 1000, 4000, 1000, 4000]);
    expect(r.attempts).toBe(3);
  });
});

describe('spanText', () => {
  it('reads like a duration', () => {
    expect([300, 1200, 5000, 60_000, 3_600_000, 3_725_000].map(spanText)).toEqual(['300ms', '1.2s', '5s', '1m', '1h', '1h 2m 5s']);
  });
});
