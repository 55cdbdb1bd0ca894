/** Every process a test starts, so that `test/support/setup.ts` can stop the ones still running. */
import type { ChildProcess } from 'node:child_process';

const live = new Set<ChildProcess>();

export function track<T extends ChildProcess>(child: T): T {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** SIGKILL for whatever is still running (a test that failed half-way). */
export function killLeftovers(): number {
  let killed = 0;
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null && child.kill('SIGKILL')) killed++;
  }
  live.clear();
  return killed;
}
