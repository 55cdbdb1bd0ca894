/**
 * The retry loop around one HTTP request, shared by the Graph client's transport and msal's
 * network client. A request that still fails once the budget is spent throws a `UserError`:
 * the caller never sees a partial read as if it were complete.
 */
import { UserError } from '../../errors.js';
import { classifyNetworkError } from './network-errors.js';
import { backoffDelay, isTransientStatus, parseRetryAfter, type RetryBudget, type RetryClock } from './retry-policy.js';

/** The minimum of a fetch `Response` the loop reads. */
export interface RetryableResponse {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  arrayBuffer(): Promise<ArrayBuffer>;
}

export interface RetryContext {
  readonly budget: RetryBudget;
  readonly clock: RetryClock;
  /** The service, as the error message names it (e.g. "Microsoft Graph"). */
  readonly what: string;
  /** Called before each wait (for a notice or a test's count). */
  readonly onRetry?: (info: { reason: string; waitMs: number; attempt: number }) => void;
}

export async function sendWithRetry<R extends RetryableResponse>(send: () => Promise<R>, ctx: RetryContext): Promise<R> {
  const { policy } = ctx.budget;
  for (let attempt = 1; ; attempt++) {
    let reason: string;
    let waitMs: number;
    try {
      const res = await send();
      if (!isTransientStatus(res.status)) return res;
      reason = res.status === 429 ? 'throttled (429)' : `unavailable (${res.status})`;
      waitMs = parseRetryAfter(res.headers.get('retry-after'), ctx.clock.now()) ?? backoffDelay(attempt - 1, policy, () => ctx.clock.random());
      await res.arrayBuffer().catch(() => undefined); // frees the connection for the retry
    } catch (err) {
      if (classifyNetworkError(err) !== 'reset') throw err;
      reason = 'connection dropped';
      waitMs = backoffDelay(attempt - 1, policy, () => ctx.clock.random());
    }
    if (attempt >= policy.maxAttempts || !ctx.budget.take(waitMs)) throw giveUp(ctx, reason, attempt);
    ctx.onRetry?.({ reason, waitMs, attempt });
    await ctx.clock.sleep(waitMs);
  }
}

function giveUp(ctx: RetryContext, reason: string, attempts: number): UserError {
  const waited = (ctx.budget.waited / 1000).toFixed(1);
  const limit = ctx.budget.policy.maxWaitMs / 1000;
  return new UserError(
    `${ctx.what} is still ${reason} after ${attempts} attempt${attempts === 1 ? '' : 's'} and ${waited} s of waiting in this read (limit ${limit} s); gave up without a result, nothing was changed`,
    'retry later, or raise source.max_wait_seconds',
  );
}
