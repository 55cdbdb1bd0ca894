import type { SafetyVerdict } from '../model/plan.js';
import { terminalText } from '../render/safe-text.js';

/** Why a plan is unsafe, with the thresholds in force and how to go past them (reasons quote key ids: terminal rule). */
export function safetyText(v: SafetyVerdict): string {
  return [
    `This plan exceeds the safety thresholds:`,
    ...v.reasons.map((r) => `  - it ${terminalText(r)}`),
    `  thresholds: max_remove_share ${v.maxRemoveShare}, max_update_share ${v.maxUpdateShare}, applied from ${v.minExisting} existing subscribers (tenant file: safety:)`,
    `  apply refuses it unless run with --allow-unsafe.`,
    '',
  ].join('\n');
}
