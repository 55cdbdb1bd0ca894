import { describe, expect, it } from 'vitest';
import { sendWithRetry, type RetryableResponse } from '../../src/directory/azure/http-retry.js';
import { backoffDelay, parseRetryAfter, RetryBudget, retryPolicy, type RetryClock } from '../../src/directory/azure/retry-policy.js';
import { UserError } from '../../src/errors.js';

const NOW = Date.parse('2026-01-02T03:04:05Z');

describe('parseRetryAfter', () => {
  it.each([
    ['2', 2000],
    ['0', 0],
    ['1.5', 1500],
    ['0.001', 1],
    [' 3 ', 3000],
    ['Fri, 02 Jan 2026 03:04:15 GMT', 10_000],
    ['Fri, 02 Jan 2026 03:00:00 GMT', 0], // in the past: no wait
  ])('%j → %d ms', (value, ms) => {
    expect(parseRetryAfter(value, NOW)).toBe(ms);
  });

  it.each([null, undefined, '', 'soon', '-1', '1e3'])('%j is not a wait', (value) => {
    expect(parseRetryAfter(value, NOW)).toBeUndefined();
  });
});

describe('backoff and budget', () => {
  const policy = retryPolicy(60_000);

  it('grows exponentially up to the cap, with full jitter', () => {
    expect([0, 1, 2, 3].map((r) => backoffDelay(r, policy, () => 0.999999))).toEqual([499, 999, 1999, 3999]);
    expect(backoffDelay(20, policy, () => 0.999999)).toBe(29_999);
    expect(backoffDelay(5, policy, () => 0)).toBe(0);
  });

  it('books waits until the total would pass the limit', () => {
    const budget = new RetryBudget(policy);
    expect(budget.take(50_000)).toBe(true);
    expect(budget.take(10_001)).toBe(false);
    expect(budget.take(10_000)).toBe(true);
    expect(budget.waited).toBe(60_000);
  });
});

describe('sendWithRetry', () => {
  function response(status: number, retryAfter?: string): RetryableResponse {
    return { status, headers: { get: (n) => (n === 'retry-after' ? (retryAfter ?? null) : null) }, arrayBuffer: async () => new ArrayBuffer(0) };
  }
  function clock(): RetryClock & { sleeps: number[] } {
    const sleeps: number[] = [];
    return { sleeps, sleep: async (ms) => void sleeps.push(ms), random: () => 0.5, now: () => NOW };
  }
  const reset = () => Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) });

  it('retries 429/503/504 and resets, then returns the first real answer', async () => {
    const answers: (RetryableResponse | Error)[] = [response(429, '1'), response(503), reset(), response(504), response(200)];
    const c = clock();
    const res = await sendWithRetry(
      async () => {
        const next = answers.shift()!;
        if (next instanceof Error) throw next;
        return next;
      },
      { budget: new RetryBudget(retryPolicy(120_000)), clock: c, what: 'Microsoft Graph' },
    );
    expect(res.status).toBe(200);
    expect(c.sleeps).toEqual([1000, 500, 1000, 2000]);
  });

  it('does not retry other statuses or refused connections', async () => {
    const c = clock();
    const ctx = { budget: new RetryBudget(retryPolicy(120_000)), clock: c, what: 'Microsoft Graph' };
    expect((await sendWithRetry(async () => response(404), ctx)).status).toBe(404);
    const refused = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
    await expect(sendWithRetry(async () => Promise.reject(refused), ctx)).rejects.toBe(refused);
    expect(c.sleeps).toEqual([]);
  });

  it('stops after the attempt limit even when Retry-After is 0', async () => {
    const c = clock();
    let sent = 0;
    const err = await sendWithRetry(async () => (sent++, response(429, '0')), {
      budget: new RetryBudget(retryPolicy(120_000)),
      clock: c,
      what: 'Microsoft Graph',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(sent).toBe(12);
  });
});
