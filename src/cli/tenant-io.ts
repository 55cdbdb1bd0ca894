/**
 * Where one tenant's output goes: straight to stdout/stderr (one tenant file, as always), or
 * into a buffer printed whole once the tenant is done, so that tenants run side by side never
 * interleave their lines.
 */
import type { Logger } from '../app/logger.js';
import { terminalLines } from '../render/safe-text.js';
import type { Style } from '../render/style.js';
import { out, stderrLogger, styleFor } from './output.js';
import { isQuiet } from './progress.js';

export interface TenantIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly log: Logger;
  readonly stdoutStyle: Style;
  readonly stderrStyle: Style;
}

export function processIo(color: boolean | undefined, quiet = false): TenantIo {
  return {
    out,
    err: (text) => void process.stderr.write(text),
    log: stderrLogger(quiet),
    stdoutStyle: styleFor(process.stdout, color),
    stderrStyle: styleFor(process.stderr, color),
  };
}

export interface BufferedIo extends TenantIo {
  /** Print what was buffered, stdout's part then stderr's, and empty the buffer. */
  flush(): void;
}

/** `label`: the tenant file, heading its notices and errors on stderr (`==> FILE <==`, as `tail` does). */
export function bufferedIo(label: string, color: boolean | undefined, quiet = false): BufferedIo {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const stderrStyle = styleFor(process.stderr, color);
  return {
    out: (text) => void stdout.push(text),
    err: (text) => void stderr.push(text),
    log: {
      info: (m) => {
        if (!quiet && !isQuiet()) stderr.push(`${terminalLines(m)}\n`);
      },
      warn: (m) => void stderr.push(`${stderrStyle.warn(terminalLines(m))}\n`),
      progress: () => undefined, // no bar while tenants run side by side
    },
    stdoutStyle: styleFor(process.stdout, color),
    stderrStyle,
    flush() {
      if (stdout.length > 0) out(stdout.splice(0).join(''));
      if (stderr.length > 0) process.stderr.write(`==> ${terminalLines(label)} <==\n${stderr.splice(0).join('')}`);
    },
  };
}
