/**
 * A command over several tenant files (a folder, or more than one file): the files are
 * loaded and checked against each other first (`tenant-conflicts.ts`: nothing runs when two
 * of them would fight), then each tenant runs on its own, at most `--parallel` at once, with
 * its output buffered and printed whole, in file order. A failure is that tenant's result;
 * the others go on. The caller prints the combined summary and exit code.
 */
import { TenantFileError, loadTenant } from '../config/load-tenant.js';
import { formatProblem } from '../config/problem.js';
import { UserError } from '../errors.js';
import { runPool } from '../app/run-pool.js';
import { findConflicts, type LoadedTenant } from '../app/tenant-conflicts.js';
import type { TenantOutcome } from '../app/tenant-outcome.js';
import { terminalText } from '../render/safe-text.js';
import { reportError, terminalProblem } from './report-error.js';
import { bufferedIo, type TenantIo } from './tenant-io.js';
import { progressDisplay, type ProgressTask } from './progress.js';

const DEFAULT_PARALLEL = 4;

export interface SetOptions {
  readonly parallel?: number;
  readonly color?: boolean;
  /** Notices (info) are left out of each tenant's output (machine output on stdout). */
  readonly quiet?: boolean;
}

/** Loads every file that loads (the others fail in their own run) and checks them against each other. */
export async function loadTenantSet(
  files: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ loaded: LoadedTenant[]; conflicts: ReturnType<typeof findConflicts> }> {
  const results = await Promise.all(files.map(async (file) => ({ file, config: (await loadTenant(file, env)).config })));
  const loaded = results.flatMap((r) => (r.config ? [{ file: r.file, config: r.config }] : []));
  return { loaded, conflicts: findConflicts(loaded) };
}

/** Prints the conflicts (stderr) and says that nothing ran; returns the exit code. */
export function reportConflicts(conflicts: ReturnType<typeof findConflicts>): number {
  for (const p of conflicts) process.stderr.write(`${formatProblem(terminalProblem(p))}\n`);
  process.stderr.write(`${conflicts.length} conflict${conflicts.length === 1 ? '' : 's'} between the tenant files; nothing was run.\n`);
  return 1;
}

export type TenantRun = (file: string, io: TenantIo) => Promise<Omit<TenantOutcome, 'file'>>;

export async function runTenantSet(files: readonly string[], loaded: readonly LoadedTenant[], options: SetOptions, each: TenantRun): Promise<TenantOutcome[]> {
  const known = new Map(loaded.map((t) => [t.file, t.config]));
  const ios = files.map((file) => bufferedIo(file, options.color, options.quiet));
  // On a terminal: one line counting the tenants done. It is taken down while a finished
  // tenant's output is printed (so nothing is drawn over), then drawn again.
  const display = progressDisplay();
  let done = 0;
  const count = (): ProgressTask | null => {
    if (!display.drawn || done >= files.length) return null;
    const t = display.task('tenants');
    t.update(done, files.length);
    return t;
  };
  let task = count();
  return runPool(
    files,
    options.parallel ?? DEFAULT_PARALLEL,
    async (file, i): Promise<TenantOutcome> => {
      const io = ios[i]!;
      try {
        return { file, ...(await each(file, io)) };
      } catch (err) {
        reportError(err, io.stderrStyle, io.err);
        const config = known.get(file);
        return { file, tenant: config?.name ?? null, domain: config?.domain ?? null, result: 'failed', error: firstLine(err) };
      }
    },
    (_, i) => {
      task?.finish();
      ios[i]!.flush();
      done++;
      task = count();
    },
  );
}

function firstLine(err: unknown): string {
  if (err instanceof TenantFileError) {
    const first = err.problems.find((p) => p.severity === 'error');
    return first ? terminalText(`${first.file}:${first.line}:${first.col}: ${first.message}`) : 'invalid tenant file';
  }
  if (err instanceof UserError) return terminalText(err.message.split('\n')[0] ?? '');
  return `unexpected error: ${terminalText(err instanceof Error ? err.message : String(err))}`;
}
