/**
 * The progress display (src/cli/progress.ts) that commands and the runner of many tenants
 * share: lines only on a terminal, one per task, notices above them, nothing left running.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { progressDisplay } from '../../src/cli/progress.js';

function stream(tty: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const w = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  }) as unknown as NodeJS.WriteStream & { isTTY: boolean; columns: number };
  w.isTTY = tty;
  w.columns = 100;
  return { stream: w, text: () => text };
}

describe('progress display', () => {
  it('draws nothing when not a terminal: tasks are no-ops, notices are plain lines', () => {
    const s = stream(false);
    const display = progressDisplay(s.stream);
    expect(display.drawn).toBe(false);
    const task = display.task('acme');
    task.update(5, 10);
    task.status('waiting');
    task.finish();
    display.log('read 40 users');
    expect(s.text()).toBe('read 40 users\n');
  });

  it('on a terminal: a line per task, counts and bars, notices above, cleared when all are done', () => {
    const s = stream(true);
    const display = progressDisplay(s.stream);
    expect(display.drawn).toBe(true);
    const acme = display.task('acme');
    const globex = display.task('globex');
    acme.update(10);
    globex.update(1, 4);
    display.log('acme: read 10 users');
    globex.update(4, 4);
    acme.status('waiting for the lock');
    acme.finish();
    globex.finish();
    const drawn = s.text();
    expect(drawn).toContain('acme: 10');
    expect(drawn).toMatch(/globex \[=+-*\] 4\/4 \(100%\)/);
    expect(drawn).toContain('acme: waiting for the lock');
    expect(drawn).toContain('acme: read 10 users\n');
    // Once every task is done the display is idle: a notice goes out as a plain line.
    display.log('done');
    expect(s.text().endsWith('\u001b[0Jdone\n')).toBe(true);
  });

  it('finish is safe twice, and stop clears tasks left unfinished (an error is about to print)', () => {
    const s = stream(true);
    const display = progressDisplay(s.stream);
    const task = display.task('writing rows');
    task.update(5000, 20000);
    display.stop();
    task.finish();
    task.finish();
    display.log('error: the PBX database is busy');
    expect(s.text().endsWith('error: the PBX database is busy\n')).toBe(true);
  });
});
