/** Terminal concerns: colour only on a TTY unless NO_COLOR or --no-color, logs to stderr. */
import type { Logger } from '../app/logger.js';
import { terminalLines, terminalText } from '../render/safe-text.js';
import { ansiStyle, plainStyle, type Style } from '../render/style.js';

export function wantsColour(stream: NodeJS.WriteStream, flag: boolean | undefined, env: NodeJS.ProcessEnv): boolean {
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
 * terminal rule; its own line breaks (a problem and its hint) stay.
 */
export function stderrLogger(quiet = false, style: Style = styleFor(process.stderr, undefined)): Logger {
  return {
    info: (m) => {
      if (!quiet) process.stderr.write(`${terminalLines(m)}\n`);
    },
    warn: (m) => process.stderr.write(`${style.warn(terminalLines(m))}\n`),
    progress: (label, done, total) => {
      if (quiet || !process.stderr.isTTY) return;
      const pct = total === 0 ? 100 : Math.floor((done / total) * 100);
      process.stderr.write(`\r${terminalText(label)}: ${done}/${total} (${pct}%)${done === total ? '\n' : ''}`);
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
