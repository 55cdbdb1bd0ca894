/**
 * Who gets a welcome e-mail: by default the joiners of a plan (accounts it creates new) and
 * the users whose passwords it rotates (a new generation, a new master key). An account
 * restored after a wipe or re-enabled keeps its passwords, and so gets none. Pure.
 */
import type { AccountView, Plan } from '../model/plan.js';

export type WelcomeReason = 'joiner' | 'rotated' | 'asked';

export interface WelcomeTarget {
  readonly account: AccountView;
  readonly reason: WelcomeReason;
}

export function changedTargets(plan: Plan): WelcomeTarget[] {
  const out: WelcomeTarget[] = [];
  for (const c of plan.changes) {
    if (c.entity !== 'subscriber' || (c.kind !== 'create' && c.kind !== 'update')) continue;
    if (c.after.status !== 'active') continue;
    if (c.kind === 'create' && c.credentials.reasons.includes('new-account')) out.push({ account: c.after, reason: 'joiner' });
    else if (c.credentials.newPasswords) out.push({ account: c.after, reason: 'rotated' });
  }
  return out.sort(byName);
}

/** Every active account, or those named (by UPN or object id, case-insensitive); names that match nobody come back. */
export function askedTargets(plan: Plan, names: readonly string[] | 'all'): { targets: WelcomeTarget[]; unknown: string[] } {
  const active = plan.accounts.filter((a) => a.status === 'active');
  if (names === 'all') return { targets: active.map((account) => ({ account, reason: 'asked' as const })).sort(byName), unknown: [] };
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  const targets = active
    .filter((a) => wanted.has(a.upn.toLowerCase()) || wanted.has(a.objectId.toLowerCase()))
    .map((account) => ({ account, reason: 'asked' as const }));
  const found = new Set(targets.flatMap((t) => [t.account.upn.toLowerCase(), t.account.objectId.toLowerCase()]));
  return { targets: targets.sort(byName), unknown: names.filter((n) => !found.has(n.toLowerCase())) };
}

function byName(a: WelcomeTarget, b: WelcomeTarget): number {
  return a.account.displayName.localeCompare(b.account.displayName) || a.account.upn.localeCompare(b.account.upn);
}
