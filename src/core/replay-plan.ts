/**
 * `apply --plan`: a saved plan's changes, checked against the PBX rows and the record they
 * were made from, with everything else recomputed: the desired accounts are the saved
 * changes' `after` (deletes removed), the diff is run again, and the result must be exactly
 * the saved changes. So summary, safety verdict, credential decisions, record changes and the
 * next record never come from the file, and a plan that does not follow from its own content
 * is refused. Pure.
 */
import type { Change, Plan, PlanWarning, ScopeSummary } from '../model/plan.js';
import { canonicalJson } from './canonical-json.js';
import { ghostAccounts, type DesiredTenant } from './desired.js';
import { diffAccounts } from './diff.js';
import { assemblePlan, planBasis, type PlanBasis, type PlanInput } from './make-plan.js';
import { PlanError } from './plan-error.js';
import { stateFingerprint } from './state-fingerprint.js';

/** What a saved plan says it was made from, and what it decided. */
export interface ReplayedFrom {
  /** How to name the plan in messages (its file). */
  readonly name: string;
  readonly pbxFingerprint: string;
  readonly recordFingerprint: string;
  readonly changes: readonly Change[];
  readonly warnings: readonly PlanWarning[];
  /** The directory scope the plan saw (shown again; the directory is not read). */
  readonly scope: ScopeSummary | null;
}

/** The PBX rows or the tenant's record moved on since the plan was made (another apply ran). */
export class StalePlanError extends PlanError {
  constructor(
    readonly what: 'pbx' | 'record',
    config: { readonly name: string; readonly domain: string },
    plan: string,
  ) {
    super(
      [
        what === 'pbx'
          ? `the PBX rows of ${config.domain} changed since ${plan} was made; nothing was changed`
          : `the record of tenant ${config.name} (state store and PBX) changed since ${plan} was made; nothing was changed`,
      ],
      'make a new plan with `pbxsync plan FILE --out PLAN.json`, review it, and apply that',
    );
    this.name = 'StalePlanError';
  }
}

export function replayPlan(input: Omit<PlanInput, 'directory' | 'locate'>, saved: ReplayedFrom): Plan {
  if (input.pbx.fingerprint !== saved.pbxFingerprint) throw new StalePlanError('pbx', input.config, saved.name);
  const basis = planBasis(input);
  if (stateFingerprint(basis.record) !== saved.recordFingerprint) throw new StalePlanError('record', input.config, saved.name);
  const want = desiredFromChanges(input, basis, saved.changes);
  const ctx = { rekey: basis.rekeyFrom !== null, storePlaintext: input.config.credentials.storePlaintext, moving: input.move !== undefined };
  const plan = assemblePlan(input, basis, diffAccounts(basis.current, want, input.credentials, ctx), saved.warnings, saved.scope);
  // Change by change: two canonical texts of every change at once would be tens of MB each.
  if (plan.changes.length !== saved.changes.length || plan.changes.some((c, i) => canonicalJson(c) !== canonicalJson(saved.changes[i]))) {
    throw new PlanError(
      [
        `the changes in ${saved.name} do not follow from the PBX rows and the record it was made from (${firstDifference(plan.changes, saved.changes)}); nothing was changed`,
      ],
      'make a new plan with `pbxsync plan FILE --out PLAN.json` and review it',
    );
  }
  return plan;
}

function desiredFromChanges(input: Omit<PlanInput, 'directory' | 'locate'>, basis: PlanBasis, changes: readonly Change[]): DesiredTenant {
  const accounts = new Map([...basis.current.accounts].map(([id, acc]) => [id, acc.view] as const));
  const ghosts = ghostAccounts(input.config, basis.current, basis.record);
  const adoptions = new Map<string, string>();
  for (const change of changes) {
    if (change.entity !== 'subscriber') continue;
    if (change.kind === 'delete') accounts.delete(change.before.objectId);
    else accounts.set(change.after.objectId, change.after);
    if (change.kind === 'create' && change.adopts) adoptions.set(change.after.username, change.after.objectId);
  }
  const scope = { read: 0, inScope: 0, disabled: 0, guests: 0, otherDomains: {}, excluded: 0 };
  return { did: input.config.name, accounts, ghosts, adoptions, warnings: [], scope };
}

function firstDifference(ours: readonly Change[], theirs: readonly Change[]): string {
  if (ours.length !== theirs.length) return `${theirs.length} changes saved, ${ours.length} follow`;
  const index = ours.findIndex((c, i) => canonicalJson(c) !== canonicalJson(theirs[i]));
  return `change ${index + 1} of ${ours.length} differs`;
}
