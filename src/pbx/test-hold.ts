/**
 * TEST-ONLY hook for the crash tests: with PBXSYNC_TEST_HOLD_TX_MS=N, an apply announces on
 * stderr that its transaction is open (all rows written, not committed) and then holds it for
 * N ms, so that a test can SIGKILL the process at exactly that point. Never set it in
 * production: it only slows an apply down, it changes nothing it writes.
 */
export const HOLD_ENV = 'PBXSYNC_TEST_HOLD_TX_MS';
export const HOLD_MARKER = 'pbxsync-test-hook: transaction open, holding it';

function holdMs(): number {
  const ms = Number(process.env[HOLD_ENV] ?? '');
  return Number.isFinite(ms) && ms > 0 ? ms : 0;
}

/** For synchronous transactions (better-sqlite3): blocks the thread. */
export function holdTransactionSync(): void {
  const ms = holdMs();
  if (ms === 0) return;
  process.stderr.write(`${HOLD_MARKER}\n`);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export async function holdTransaction(): Promise<void> {
  const ms = holdMs();
  if (ms === 0) return;
  process.stderr.write(`${HOLD_MARKER}\n`);
  await new Promise((resolve) => setTimeout(resolve, ms));
}
