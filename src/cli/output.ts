/** Terminal concerns: colour only on a TTY unless NO_COLOR or --no-color, logs to stderr. */
import type { Logger } from '../app/logger.js';
import { terminalLines } from '../render/safe-text.js';
import { isQuiet, progressDisplay, type ProgressTask } from './progress.js';
import { ansiStyle, plainStyle, type Style } from '../render/style.js';

function wantsColour(stream: NodeJS.WriteStream, flag: boolean | undefined, env: NodeJS.ProcessEnv): boolean {
  if (flag === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

export function styleFor(stream: NodeJS.WriteStream, flag: boolean | undefined, env = process.env): Style {
  return wantsColour(stream, flag, env) ? ansiStyle : plainStyle;
}

/**
 * Notices and warnings on stderr. Their text is composed elsewhere and quotes the tenant
 * file, the directory, a lock holder or an identity provider's message, so it goes out by the
 * terminal rule; its own line breaks (a problem and its hint) stay. Notices and progress are
 * left out with `quiet` (e.g. `plan --json`) or `--quiet`; warnings never are. Progress is
 * drawn by `progress.ts`, only on a terminal. `scope` (a tenant's name, when several run at
 * once) starts the progress lines' labels.
 */
export function stderrLogger(quiet = false, style: Style = styleFor(process.stderr, undefined), scope?: string): Logger {
  const silent = quiet || isQuiet();
  const display = progressDisplay();
  const tasks = new Map<string, ProgressTask>();
  return {
    info: (m) => {
      if (!silent) display.log(terminalLines(m));
    },
    warn: (m) => display.log(style.warn(terminalLines(m))),
    progress: (label, done, total) => {
      if (silent || !display.drawn) return;
      let task = tasks.get(label);
      if (task === undefined) tasks.set(label, (task = display.task(scope === undefined ? label : `${scope}: ${label}`)));
      task.update(done, total);
      if (total !== undefined && done >= total) {
        task.finish();
        tasks.delete(label);
      }
    },
  };
}

let stdoutClosed = false;

/**
 * `pbxsync plan --json | head -1`: once the reader of stdout has gone (EPIPE), the rest of the
 * output has nowhere to go; the run finishes without it instead of dying with a stack trace.
 */
export function guardOutputStreams(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    stdoutClosed = true;
  });
  process.stderr.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
}

export function out(text: string): void {
  if (!stdoutClosed) process.stdout.write(text);
}
