/** Machine output: the plan as JSON with a format_version, secrets never present. */
import type { Plan } from '../model/plan.js';

export function renderPlanJson(plan: Plan): string {
  const { nextState: _state, ...rest } = plan;
  return `${JSON.stringify({ format_version: plan.formatVersion, ...rest }, null, 2)}\n`;
}
