/** Refuses plans that would disable, delete or update too large a share of a tenant at once, or re-key it. */
import type { Change, SafetyVerdict } from '../model/plan.js';
import type { SafetyConfig } from '../model/tenant-config.js';

export interface SafetyContext {
  /** Active subscribers before the plan. */
  readonly existing: number;
  /** The plan moves the tenant from this master key id to another: every password changes. */
  readonly rekeyFrom: string | null;
  readonly keyId: string;
}

export function checkSafety(changes: readonly Change[], ctx: SafetyContext, safety: SafetyConfig): SafetyVerdict {
  const { existing } = ctx;
  const subscribers = changes.filter((c) => c.entity === 'subscriber');
  const removing = subscribers.filter((c) => c.kind === 'disable' || c.kind === 'delete').length;
  const updating = subscribers.filter((c) => c.kind === 'update').length;
  const reasons: string[] = [];
  if (existing >= safety.minExisting && existing > 0) {
    if (removing / existing > safety.maxRemoveShare) {
      reasons.push(
        `would disable or delete ${removing} of ${existing} subscribers (${pct(removing / existing)} > max_remove_share ${pct(safety.maxRemoveShare)})`,
      );
    }
    if (updating / existing > safety.maxUpdateShare) {
      // Setting back hand edits counts like any update: a mass edit pbxsync would undo deserves a look too.
      const drift = subscribers.filter((c) => c.kind === 'update' && c.cause.drift.length > 0).length;
      const setBack = drift > 0 ? `; ${drift} of them set back rows changed outside pbxsync` : '';
      reasons.push(
        `would update ${updating} of ${existing} subscribers (${pct(updating / existing)} > max_update_share ${pct(safety.maxUpdateShare)}${setBack})`,
      );
    }
  }
  if (ctx.rekeyFrom !== null)
    reasons.push(`re-keys the tenant from master key ${ctx.rekeyFrom} to ${ctx.keyId}: every password changes, every phone must be set up again`);
  return {
    ok: reasons.length === 0,
    existing,
    removing,
    updating,
    maxRemoveShare: safety.maxRemoveShare,
    maxUpdateShare: safety.maxUpdateShare,
    minExisting: safety.minExisting,
    reasons,
  };
}

function pct(share: number): string {
  return `${Math.round(share * 1000) / 10}%`;
}
