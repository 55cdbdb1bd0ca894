/** Refuses plans that would disable, delete or update too large a share of a tenant at once. */
import type { Change, SafetyVerdict } from '../model/plan.js';
import type { SafetyConfig } from '../model/tenant-config.js';

export function checkSafety(changes: readonly Change[], existing: number, safety: SafetyConfig): SafetyVerdict {
  const removing = changes.filter((c) => c.kind === 'disable' || c.kind === 'delete').length;
  const updating = changes.filter((c) => c.kind === 'update').length;
  const reasons: string[] = [];
  if (existing >= safety.minExisting && existing > 0) {
    if (removing / existing > safety.maxRemoveShare) {
      reasons.push(`would disable or delete ${removing} of ${existing} subscribers (${pct(removing / existing)} > max_remove_share ${pct(safety.maxRemoveShare)})`);
    }
    if (updating / existing > safety.maxUpdateShare) {
      reasons.push(`would update ${updating} of ${existing} subscribers (${pct(updating / existing)} > max_update_share ${pct(safety.maxUpdateShare)})`);
    }
  }
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
