/**
 * Machine output: the plan as JSON with a format_version. It never holds a secret, and it is
 * also the saved-plan format (`plan --out`), so it carries the state the apply will store.
 */
import type { Plan } from '../model/plan.js';

export function renderPlanJson(plan: Plan): string {
  const { formatVersion, ...rest } = plan;
  return `${JSON.stringify({ format_version: formatVersion, ...rest }, null, 2)}\n`;
}
