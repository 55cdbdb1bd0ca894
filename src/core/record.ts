/**
 * The tenant's record as the PBX rows tell it, and how it is reconciled with the copy in the
 * state store. The PBX rows are what phones use, so for every account they hold they win;
 * the state store fills in what the PBX lacks (a wiped PBX is rebuilt from it); retired
 * numbers from both are kept (a number once retired is never handed out again). The plan
 * says which copy won and why. Pure.
 */
import type { PlanWarning } from '../model/plan.js';
import { isEmptyState, STATE_VERSION, type StoredAccount, type StoredTenantState } from '../model/stored-state.js';
import type { CurrentTenant } from './current-accounts.js';
import { compareExtensions } from './extension-pool.js';
import { PlanError } from './plan-error.js';

/** The record the PBX rows alone give. */
export function pbxRecord(current: CurrentTenant): StoredTenantState {
  const accounts: Record<string, StoredAccount> = {};
  const retired: string[] = [];
  const keyIds = new Set<string>();
  for (const entry of current.ledger) {
    if (entry.type === 'key') keyIds.add(entry.keyId);
    else if (entry.type === 'retired') retired.push(entry.extension);
    else accounts[entry.objectId] = { username: entry.username, extensions: [], generation: entry.generation, status: 'deleted' };
  }
  for (const [id, acc] of current.accounts) {
    const { username, extensions, generation, status } = acc.view;
    accounts[id] = { username, extensions: [...extensions], generation, status };
  }
  if (keyIds.size > 1) {
    throw new PlanError(
      [`the PBX rows record several master keys (${[...keyIds].sort().join(', ')}); nothing was changed`],
      'remove the pbxsync_key_id rows of the keys the phones were not set up with',
    );
  }
  return normaliseState({ version: STATE_VERSION, keyId: [...keyIds][0] ?? null, accounts, retired });
}

export interface MergedRecord {
  readonly state: StoredTenantState;
  readonly warnings: readonly PlanWarning[];
}

export function mergeRecords(pbx: StoredTenantState, stored: StoredTenantState, tenant: string): MergedRecord {
  if (pbx.keyId !== null && stored.keyId !== null && pbx.keyId !== stored.keyId) {
    throw new PlanError(
      [`the PBX records master key ${pbx.keyId} for tenant ${tenant}, the state store ${stored.keyId}; nothing was changed`],
      'one of them was restored from another installation: use the key the phones were set up with, and move the other copy aside',
    );
  }
  if (isEmptyState(stored)) return { state: pbx, warnings: isEmptyState(pbx) ? [] : [restored('the state store has no record of it', 'the PBX rows')] };
  if (isEmptyState(pbx)) return { state: stored, warnings: [restored('the PBX has no rows of it', 'the state store')] };
  const accounts: Record<string, StoredAccount> = { ...stored.accounts, ...pbx.accounts };
  const state = normaliseState({
    version: STATE_VERSION,
    keyId: pbx.keyId ?? stored.keyId,
    accounts,
    retired: [...pbx.retired, ...stored.retired],
  });
  return { state, warnings: disagreements(pbx, stored, tenant) };
}

function restored(why: string, from: string): PlanWarning {
  return {
    code: 'record-restored',
    message: `${why}: the tenant's record (usernames, extensions, retired numbers, generations, key id) comes from ${from}`,
    hint: 'the next apply writes the record back to both copies',
  };
}

/** What the two copies say differently, in one warning per kind of difference. */
function disagreements(pbx: StoredTenantState, stored: StoredTenantState, tenant: string): PlanWarning[] {
  const warnings: PlanWarning[] = [];
  const differing = Object.keys(pbx.accounts).filter((id) => stored.accounts[id] !== undefined && !sameAccount(pbx.accounts[id]!, stored.accounts[id]));
  if (differing.length > 0) {
    warnings.push({
      code: 'record-disagrees',
      message: `the state store and the PBX disagree about ${count(differing.length, 'account')} of tenant ${tenant} (${sample(differing)}): the PBX rows won, since they are what the phones use`,
      hint: 'a state store restored from an old backup looks like this; the next apply brings it up to date',
    });
  }
  const onlyState = Object.keys(stored.accounts).filter((id) => pbx.accounts[id] === undefined);
  if (onlyState.length > 0) {
    warnings.push({
      code: 'record-disagrees',
      message: `the state store knows ${count(onlyState.length, 'account')} the PBX has no rows of (${sample(onlyState)}): kept from the state store, so their usernames and extensions stay theirs`,
    });
  }
  const pbxRetired = new Set(pbx.retired);
  const retiredOnlyInState = stored.retired.filter((e) => !pbxRetired.has(e));
  if (retiredOnlyInState.length > 0) {
    warnings.push({
      code: 'record-disagrees',
      message: `the state store has ${count(retiredOnlyInState.length, 'retired number')} the PBX does not (${sample(retiredOnlyInState)}): kept retired, a number once retired is never handed out again`,
    });
  }
  return warnings;
}

function sameAccount(a: StoredAccount, b: StoredAccount): boolean {
  return a.username === b.username && a.generation === b.generation && a.status === b.status && a.extensions.join(',') === b.extensions.join(',');
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function sample(items: readonly string[]): string {
  return items.length <= 3 ? items.join(', ') : `${items.slice(0, 3).join(', ')}, …`;
}

/** Sorted accounts and retired numbers, without duplicates: one canonical form per record. */
export function normaliseState(state: StoredTenantState): StoredTenantState {
  const accounts = Object.fromEntries(
    Object.entries(state.accounts)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([id, acc]) => [id, { ...acc, extensions: [...new Set(acc.extensions)].sort(compareExtensions) }]),
  );
  return { version: STATE_VERSION, keyId: state.keyId, accounts, retired: [...new Set(state.retired)].sort(compareExtensions) };
}
