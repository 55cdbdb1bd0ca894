/** The built CLI as a running process: for tests that must act while an apply is under way. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { track } from './children.js';
import { ROOT } from './cli.js';

export interface RunningCli {
  readonly child: ChildProcess;
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves once stderr or stdout matches; rejects if the process exits first. */
  waitFor(pattern: RegExp): Promise<void>;
  /** Exit code (null when killed by a signal) and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startPbxsync(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): RunningCli {
  const child = track(
    spawn(process.execPath, [join(ROOT, 'bin', 'pbxsync.js'), ...args], {
      cwd: opts.cwd,
      env: { PATH: process.env.PATH, HOME: opts.cwd, NO_COLOR: '1', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    }),
  );
  // A process that exits without reading its input must not fail the test runner.
  child.stdin.on('error', () => undefined);
  let out = '';
  let err = '';
  const waiters: { pattern: RegExp; resolve: () => void; reject: (e: Error) => void }[] = [];
  const check = (): void => {
    for (const w of [...waiters]) {
      if (w.pattern.test(err) || w.pattern.test(out)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stdout.on('data', (d: Buffer) => ((out += d.toString()), check()));
  child.stderr.on('data', (d: Buffer) => ((err += d.toString()), check()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      for (const w of waiters.splice(0)) w.reject(new Error(`pbxsync exited (${code ?? signal}) before ${w.pattern}:\n${err}`));
      resolve({ code, signal });
    }),
  );
  return {
    child,
    pid: child.pid!,
    stdout: () => out,
    stderr: () => err,
    waitFor: (pattern) =>
      new Promise<void>((resolve, reject) => {
        waiters.push({ pattern, resolve, reject });
        check();
      }),
    exited,
  };
}
