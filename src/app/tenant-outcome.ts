/**
 * What one tenant's run of a command over several tenant files came to, and how the runs
 * combine: one summary (per tenant: file, tenant, result, counts) and one exit code.
 */
import type { Plan, PlanSummary } from '../model/plan.js';

export type TenantResult = 'changes' | 'no-changes' | 'applied' | 'kamailio-not-told' | 'failed';

export interface TenantOutcome {
  /** The tenant file as reported. */
  readonly file: string;
  /** Null when the file could not be loaded. */
  readonly tenant: string | null;
  readonly domain: string | null;
  readonly result: TenantResult;
  readonly summary?: PlanSummary;
  /** The plan made (plan) or applied (apply). */
  readonly plan?: Plan;
  /** A failure's first line, for the summary (the whole report is in the tenant's output). */
  readonly error?: string;
  /** Warnings the tenant file and the plan gave. */
  readonly warnings?: number;
}

/** 1 if any failed; else 3 if Kamailio was not told of some apply; else 2 with --detailed-exitcode if any has changes; else 0. */
export function combinedExit(outcomes: readonly TenantOutcome[], detailedExitcode: boolean): number {
  if (outcomes.some((o) => o.result === 'failed')) return 1;
  if (outcomes.some((o) => o.result === 'kamailio-not-told')) return 3;
  if (detailedExitcode && outcomes.some((o) => o.result === 'changes')) return 2;
  return 0;
}

const RESULT_TEXT: Readonly<Record<TenantResult, string>> = {
  changes: 'changes',
  'no-changes': 'no changes',
  applied: 'applied',
  'kamailio-not-told': 'applied, Kamailio not told',
  failed: 'FAILED',
};

function resultText(r: TenantResult): string {
  return RESULT_TEXT[r];
}

function countsText(s: PlanSummary): string {
  return `${s.create} create, ${s.update} update, ${s.disable} disable, ${s.delete} delete`;
}

/** The summary's lines (plain text: the caller makes them safe for its medium). */
export function summaryLines(outcomes: readonly TenantOutcome[]): string[] {
  const failed = outcomes.filter((o) => o.result === 'failed').length;
  const counted = (r: TenantResult) => outcomes.filter((o) => o.result === r).length;
  const parts = [
    ...(['changes', 'no-changes', 'applied', 'kamailio-not-told'] as const)
      .filter((r) => counted(r) > 0)
      .map((r) => `${counted(r)} ${r === 'changes' ? 'with changes' : resultText(r)}`),
    `${failed} failed`,
  ];
  const fileWidth = Math.min(48, Math.max(4, ...outcomes.map((o) => o.file.length)));
  const tenantWidth = Math.min(32, Math.max(6, ...outcomes.map((o) => (o.tenant ?? '-').length)));
  const lines = [`Summary of ${outcomes.length} tenant file${outcomes.length === 1 ? '' : 's'}: ${parts.join(', ')}.`];
  for (const o of outcomes) {
    const detail = o.result === 'failed' ? (o.error ?? '') : o.summary && o.result !== 'no-changes' ? countsText(o.summary) : '';
    const warn = o.warnings ? `${detail ? '; ' : ''}${o.warnings} warning${o.warnings === 1 ? '' : 's'}` : '';
    lines.push(`  ${o.file.padEnd(fileWidth)}  ${(o.tenant ?? '-').padEnd(tenantWidth)}  ${resultText(o.result).padEnd(10)}  ${detail}${warn}`.trimEnd());
  }
  return lines;
}
