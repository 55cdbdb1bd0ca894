import { UserError } from '../errors.js';

/** The tenant cannot be planned as configured (range exhausted, conflicting pins…). */
export class PlanError extends UserError {
  constructor(readonly problems: readonly string[], hint?: string) {
    super(problems.length === 1 ? problems[0]! : `${problems.length} problems:\n  ${problems.join('\n  ')}`, hint);
    this.name = 'PlanError';
  }
}
