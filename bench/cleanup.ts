/**
 * Everything the bench must undo, whatever happens: temporary folders, PostgreSQL databases,
 * the emulator, and children still running. Undone last-in first-out, each step on its own
 * (one failing does not keep the others from running), on a normal end, on an error and on
 * SIGINT/SIGTERM.
 */
import type { ChildProcess } from 'node:child_process';

type Step = () => unknown;

export class Cleanup {
  private readonly steps: { what: string; run: Step }[] = [];
  private readonly children = new Set<ChildProcess>();

  /** Registers `run`; the function returned runs it now instead (once), e.g. at the end of one size. */
  add(what: string, run: Step): () => Promise<void> {
    const step = { what, run };
    this.steps.push(step);
    return async () => {
      const i = this.steps.indexOf(step);
      if (i < 0) return;
      this.steps.splice(i, 1);
      await this.attempt(step);
    };
  }

  track(child: ChildProcess): void {
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
  }

  async runAll(): Promise<void> {
    for (const child of this.children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    this.children.clear();
    for (const step of this.steps.splice(0).reverse()) await this.attempt(step);
  }

  private async attempt(step: { what: string; run: Step }): Promise<void> {
    try {
      await step.run();
    } catch (err) {
      process.stderr.write(`bench: cleaning up ${step.what} failed: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }

  /** On SIGINT/SIGTERM: undo everything, then exit 130/143. */
  onSignals(): void {
    const stop = (signal: NodeJS.Signals, code: number) => {
      process.stderr.write(`\nbench: ${signal}, cleaning up\n`);
      void this.runAll().finally(() => process.exit(code));
    };
    process.once('SIGINT', () => stop('SIGINT', 130));
    process.once('SIGTERM', () => stop('SIGTERM', 143));
  }
}
