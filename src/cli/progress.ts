/**
 * Progress lines on stderr, drawn by cli-progress, only on a terminal and never with --quiet:
 * a CI log (not a TTY) gets no progress and no carriage returns, only the notices. One display
 * for the whole run, because there is one terminal: several tasks (e.g. tenants planned in
 * parallel) each get a line of their own, and notices printed meanwhile go above the lines.
 *
 * Code outside src/cli reports through `Logger.progress` (src/app/logger.ts); the CLI's
 * logger draws it here. A runner of many tenants takes `progressDisplay().task(name)`.
 */
import cliProgress from 'cli-progress';
import { terminalText } from '../render/safe-text.js';

export interface ProgressTask {
  /** `done` of `total` as a bar, or `done` alone while the total is unknown. */
  update(done: number, total?: number): void;
  /** A line of text in the task's place instead (a wait, a state). */
  status(text: string): void;
  /** The task's line goes away. Safe to call twice. */
  finish(): void;
}

export interface ProgressDisplay {
  /** True when lines are drawn (a terminal, not --quiet). */
  readonly drawn: boolean;
  task(label: string): ProgressTask;
  /** A whole line (no newline) printed above the progress lines, or simply printed when none is drawn. */
  log(line: string): void;
  /** Clears every line; the run ends or an error is to be printed. */
  stop(): void;
}

/** Redraws at most this often; also from synchronous loops (an SQLite transaction), where no timer runs. */
const REDRAW_MS = 100;

const FORMAT = {
  bar: '{label} [{bar}] {value}/{total} ({percentage}%)',
  count: '{label}: {value}',
  status: '{label}: {text}',
} as const;

type Mode = keyof typeof FORMAT;

function noTask(): ProgressTask {
  return { update: () => undefined, status: () => undefined, finish: () => undefined };
}

/** The display without lines: notices still go out, one per line. */
function plainDisplay(stream: NodeJS.WritableStream): ProgressDisplay {
  return { drawn: false, task: noTask, log: (line) => void stream.write(`${line}\n`), stop: () => undefined };
}

function terminalDisplay(stream: NodeJS.WriteStream): ProgressDisplay {
  let multi: cliProgress.MultiBar | null = null;
  let lastDraw = 0;
  const active = new Set<cliProgress.SingleBar>();

  const board = (): cliProgress.MultiBar => {
    // The cursor stays visible and line wrapping untouched (long lines are cut to the width
    // instead): a Ctrl-C mid-run leaves the terminal as it was.
    multi ??= new cliProgress.MultiBar({
      stream,
      clearOnComplete: true,
      hideCursor: false,
      fps: 1000 / REDRAW_MS,
      barsize: 24,
      linewrap: true,
      autopadding: true,
    });
    return multi;
  };
  const redraw = (force = false): void => {
    const now = Date.now();
    if (multi === null || (!force && now - lastDraw < REDRAW_MS)) return;
    lastDraw = now;
    multi.update();
  };
  const stop = (): void => {
    if (multi === null) return;
    multi.stop();
    multi = null;
    active.clear();
  };

  const task = (label: string): ProgressTask => {
    const name = terminalText(label);
    let bar: cliProgress.SingleBar | null = null;
    let mode: Mode | null = null;
    let finished = false;
    const ensure = (want: Mode, total: number): cliProgress.SingleBar => {
      if (bar !== null && mode !== want) {
        board().remove(bar);
        active.delete(bar);
        bar = null;
      }
      if (bar === null) {
        bar = board().create(total, 0, { label: name, text: '' }, { format: FORMAT[want] });
        active.add(bar);
        mode = want;
      }
      return bar;
    };
    return {
      update(done, total) {
        if (finished) return;
        // A count stays a count to its end (directory pages: the total is known only then).
        const b = ensure(total === undefined || mode === 'count' ? 'count' : 'bar', total ?? 0);
        if (total !== undefined && mode === 'bar') b.setTotal(total);
        b.update(done);
        redraw(total !== undefined && done >= total);
      },
      status(text) {
        if (finished) return;
        ensure('status', 0).update(0, { text: terminalText(text) });
        redraw(true);
      },
      finish() {
        if (finished) return;
        finished = true;
        if (bar === null) return;
        active.delete(bar);
        if (active.size === 0) stop();
        else board().remove(bar);
      },
    };
  };

  return {
    drawn: true,
    task,
    log(line) {
      if (multi === null) {
        stream.write(`${line}\n`);
        return;
      }
      multi.log(`${line}\n`);
      redraw(true);
    },
    stop,
  };
}

let shared: ProgressDisplay | undefined;
let quiet = false;

/** Set once from the global options, before a command runs (`--quiet`: no progress, no notices). */
export function configureOutput(options: { quiet?: boolean }): void {
  quiet = options.quiet === true;
  shared?.stop();
  shared = undefined;
}

export function isQuiet(): boolean {
  return quiet;
}

/** The run's display on stderr: lines on a terminal, nothing but notices elsewhere or with --quiet. */
export function progressDisplay(stream: NodeJS.WriteStream = process.stderr): ProgressDisplay {
  if (stream !== process.stderr) return stream.isTTY === true && !quiet ? terminalDisplay(stream) : plainDisplay(stream);
  shared ??= stream.isTTY === true && !quiet ? terminalDisplay(stream) : plainDisplay(stream);
  return shared;
}
