/**
 * The whole pure pipeline: (config, directory users, PBX rows, stored state) → Plan.
 * No I/O, no clock, no randomness: the same inputs always give the same plan.
 */
import type { DirectoryUser } from '../model/directory-user.js';
import type { PbxTenantState } from '../model/pbx-state.js';
import { PLAN_FORMAT_VERSION, type AccountView, type Change, type Plan, type PlanSummary } from '../model/plan.js';
import type { StoredTenantState } from '../model/stored-state.js';
import type { TenantConfig } from '../model/tenant-config.js';
import type { CredentialCheck } from './credential-check.js';
import { currentAccounts } from './current-accounts.js';
import { desired } from './desired.js';
import { diffAccounts } from './diff.js';
import { compareExtensions } from './extension-pool.js';
import { checkSafety } from './safety.js';
import { stateFingerprint } from './state-fingerprint.js';

export interface PlanInput {
  readonly config: TenantConfig;
  readonly directory: readonly DirectoryUser[];
  readonly pbx: PbxTenantState;
  readonly stored: StoredTenantState;
  readonly credentials: CredentialCheck;
}

export function makePlan(input: PlanInput): Plan {
  const { config, pbx } = input;
  const current = currentAccounts(pbx, config.name);
  const want = desired({ config, directory: input.directory, current, stored: input.stored });
  const changes: Change[] = diffAccounts(current, want, input.credentials);
  if (!pbx.domain.exists) changes.push({ kind: 'create', entity: 'domain', domain: config.domain, did: want.did });
  changes.sort(compareChanges);
  const warnings = [...want.warnings];
  if (pbx.domain.exists && pbx.domain.did !== want.did) {
    warnings.unshift({ code: 'foreign-domain', message: `domain ${config.domain} exists with did '${pbx.domain.did ?? ''}', not created by pbxsync: left alone` });
  }
  const existing = [...current.accounts.values()].filter((a) => a.view.status === 'active').length;
  return {
    formatVersion: PLAN_FORMAT_VERSION,
    tenant: config.name,
    domain: config.domain,
    pbxFingerprint: pbx.fingerprint,
    stateFingerprint: stateFingerprint(input.stored),
    changes,
    accounts: [...want.accounts.values()].filter((a) => a.status === 'active').sort(compareAccounts),
    warnings,
    summary: summarise(changes),
    safety: checkSafety(changes, existing, config.safety),
    nextState: want.nextState,
  };
}

export function summarise(changes: readonly Change[]): PlanSummary {
  const count = (kind: Change['kind']) => changes.filter((c) => c.entity === 'subscriber' && c.kind === kind).length;
  return { create: count('create'), update: count('update'), disable: count('disable'), delete: count('delete') };
}

export function isEmptyPlan(plan: Plan): boolean {
  return plan.changes.length === 0;
}

/** The account a change is about (the domain sorts first). */
export function changeAccount(change: Change): AccountView | null {
  switch (change.kind) {
    case 'create':
      return change.entity === 'domain' ? null : change.after;
    case 'update':
    case 'disable':
      return change.after;
    case 'delete':
      return change.before;
  }
}

function compareChanges(a: Change, b: Change): number {
  const x = changeAccount(a);
  const y = changeAccount(b);
  if (!x || !y) return x ? 1 : y ? -1 : 0;
  return compareAccounts(x, y);
}

function compareAccounts(a: AccountView, b: AccountView): number {
  return compareExtensions(a.extension, b.extension) || (a.objectId < b.objectId ? -1 : a.objectId > b.objectId ? 1 : 0);
}
