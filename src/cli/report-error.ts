/**
 * The last stop for errors: a user error prints one line and a hint; a bad tenant file prints
 * every problem as file:line:col; anything unexpected keeps its stack for the bug report.
 */
import { TenantFileError } from '../config/load-tenant.js';
import { formatProblem } from '../config/problem.js';
import { UserError } from '../errors.js';
import type { Style } from '../render/style.js';

export function reportError(err: unknown, style: Style): void {
  if (err instanceof TenantFileError) {
    for (const p of err.problems) process.stderr.write(`${formatProblem(p)}\n`);
    const errors = err.problems.filter((p) => p.severity === 'error').length;
    process.stderr.write(style.remove(`${errors} error${errors === 1 ? '' : 's'} in the tenant file; nothing was changed.`) + '\n');
    return;
  }
  if (err instanceof UserError) {
    process.stderr.write(`${style.remove('error:')} ${err.message}\n`);
    if (err.hint) process.stderr.write(`  hint: ${err.hint}\n`);
    return;
  }
  const stack = err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`${style.remove('unexpected error')} (please report it with this trace):\n${stack}\n`);
}
