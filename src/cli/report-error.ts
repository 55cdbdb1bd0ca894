/**
 * The last stop for errors: a user error prints one line and a hint; a bad tenant file prints
 * every problem as file:line:col; anything unexpected keeps its stack for the bug report.
 * Messages quote directory, PBX and tenant-file text (a UPN, a username, a value), so each
 * goes out by the terminal rule: a field or a one-line message with `terminalText`, a stack
 * trace (whose line breaks are its own) with `terminalLines`.
 */
import { TenantFileError } from '../config/load-tenant.js';
import { formatProblem, type Problem } from '../config/problem.js';
import { PlanError } from '../core/plan-error.js';
import { UserError } from '../errors.js';
import { terminalLines, terminalText } from '../render/safe-text.js';
import type { Style } from '../render/style.js';

export function reportError(err: unknown, style: Style, write: (text: string) => void = (text) => void process.stderr.write(text)): void {
  if (err instanceof TenantFileError) {
    for (const p of err.problems) write(`${formatProblem(terminalProblem(p))}\n`);
    const errors = err.problems.filter((p) => p.severity === 'error').length;
    write(style.remove(`${errors} error${errors === 1 ? '' : 's'} in the tenant file; nothing was changed.`) + '\n');
    return;
  }
  if (err instanceof UserError) {
    write(`${style.remove('error:')} ${userMessage(err)}\n`);
    if (err.hint) write(`  hint: ${terminalText(err.hint)}\n`);
    return;
  }
  const stack = err instanceof Error ? (err.stack ?? err.message) : String(err);
  write(`${style.remove('unexpected error')} (please report it with this trace):\n${terminalLines(stack)}\n`);
}

/** A user error's message is one line; a plan error lists its problems one a line, each escaped on its own. */
function userMessage(err: UserError): string {
  if (!(err instanceof PlanError) || err.problems.length === 1) return terminalText(err.message);
  const shown = err.problems.slice(0, 20).map(terminalText);
  const more = err.problems.length - shown.length;
  return [`${err.problems.length} problems:`, ...shown, ...(more > 0 ? [`… and ${more} more`] : [])].join('\n  ');
}

/** A tenant-file problem with its file, message and hint by the terminal rule (for `validate` too). */
export function terminalProblem(p: Problem): Problem {
  const safe: Problem = { ...p, file: terminalText(p.file), message: terminalText(p.message) };
  return p.hint === undefined ? safe : { ...safe, hint: terminalText(p.hint) };
}
