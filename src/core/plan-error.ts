import { UserError } from '../errors.js';

/** The tenant cannot be planned as configured (range exhausted, conflicting pins…). */
export class PlanError extends UserError {
  constructor(
    readonly problems: readonly string[],
    hint?: string,
  ) {
    super(problems.length === 1 ? problems[0]! : `${problems.length} problems:\n  ${listed(problems)}`, hint);
    this.name = 'PlanError';
  }
}

/** At most 20 problems are listed: a screen of them says what is wrong as well as thousands. */
function listed(problems: readonly string[]): string {
  const shown = problems.slice(0, 20);
  const more = problems.length - shown.length;
  return [...shown, ...(more > 0 ? [`… and ${more} more`] : [])].join('\n  ');
}
