/**
 * The desired tenant: every account pbxsync should hold after an apply (active users,
 * disabled leavers, kept leavers), whether the tenant needs its domain row, and what the
 * record says about accounts whose rows are gone (a wiped PBX). Pure.
 */
import type { DirectoryUser } from '../model/directory-user.js';
import type { AccountView, PlanWarning, ScopeSummary } from '../model/plan.js';
import type { StoredTenantState } from '../model/stored-state.js';
import type { TenantConfig } from '../model/tenant-config.js';
import { META } from '../model/subscriber-fields.js';
import type { CurrentTenant } from './current-accounts.js';
import { compareExtensions } from './extension-pool.js';
import { assignIdentities } from './identities.js';
import type { WrittenIdentity } from './identity-drift.js';
import { PlanError } from './plan-error.js';
import { buildPreferences, restoredPreferences } from './preferences.js';
import { inScope, overridesByUser, scopeSummary } from './scope.js';

export interface DesiredTenant {
  readonly did: string;
  /** Accounts that should exist after the apply, by object id. Absent = delete. */
  readonly accounts: ReadonlyMap<string, AccountView>;
  /**
   * Accounts the record knows whose rows are gone (a wiped or partly lost PBX), as the record
   * tells them: they are restored, or deleted when they left, like accounts with rows.
   */
  readonly ghosts: ReadonlyMap<string, AccountView>;
  /** Object ids whose foreign subscriber row is taken over (`adopt: true`): username → id. */
  readonly adoptions: ReadonlyMap<string, string>;
  readonly warnings: readonly PlanWarning[];
  readonly scope: ScopeSummary;
}

export interface DesiredInput {
  readonly config: TenantConfig;
  /** Cleaned already (see `clean-directory.ts`). */
  readonly directory: readonly DirectoryUser[];
  readonly current: CurrentTenant;
  readonly record: StoredTenantState;
  /** Accounts whose username or aliases were changed outside pbxsync: what it wrote (see `identity-drift.ts`). */
  readonly writtenIdentities?: ReadonlyMap<string, WrittenIdentity>;
}

export function desired(input: DesiredInput): DesiredTenant {
  const { config, current, record } = input;
  const overrides = overridesByUser(input.directory, config.users);
  const users = inScope(input.directory, config).filter((u) => overrides.get(u.id)?.exclude !== true);
  const ids = assignIdentities({ config, users, overrides, current, record, written: input.writtenIdentities });
  if (ids.errors.length > 0) throw new PlanError(ids.errors, 'change the pins or the range in the tenant file');

  const accounts = new Map<string, AccountView>();
  const adoptions = new Map<string, string>();
  const warnings: PlanWarning[] = [];
  for (const u of users) {
    const id = ids.identities.get(u.id)!;
    const generation = overrides.get(u.id)?.generation ?? current.accounts.get(u.id)?.view.generation ?? record.accounts[u.id]?.generation ?? 1;
    const built = buildPreferences(config, u, overrides.get(u.id), 'active', generation);
    for (const attribute of built.truncated) warnings.push(truncatedWarning(u, attribute));
    accounts.set(u.id, {
      objectId: u.id,
      username: id.username,
      extensions: id.extension === '' ? [] : [id.extension],
      displayName: built.preferences[META.displayName]?.value ?? '',
      upn: built.preferences[META.upn]?.value ?? '',
      status: 'active',
      generation,
      preferences: built.preferences,
    });
    if (id.adopts) adoptions.set(id.username, u.id);
  }
  const ghosts = ghostAccounts(config, current, record);
  for (const [id, view] of [...current.accounts].map(([i, a]) => [i, a.view] as const).concat([...ghosts])) {
    if (accounts.has(id)) continue;
    const leaver = leaverView(config, view);
    if (leaver) accounts.set(id, leaver);
  }
  const scope = scopeSummary(input.directory, config, (u) => overrides.get(u.id)?.exclude === true);
  return { did: config.name, accounts, ghosts, adoptions, warnings: [...foreignWarnings(current), ...warnings], scope };
}

/** Accounts the record holds as active or disabled that have no rows in the PBX. */
export function ghostAccounts(config: TenantConfig, current: CurrentTenant, record: StoredTenantState): Map<string, AccountView> {
  const ghosts = new Map<string, AccountView>();
  for (const [id, st] of Object.entries(record.accounts)) {
    if (st.status === 'deleted' || current.accounts.has(id)) continue;
    ghosts.set(id, {
      objectId: id,
      username: st.username,
      extensions: [...st.extensions],
      displayName: '',
      upn: '',
      status: st.status,
      generation: st.generation,
      preferences: restoredPreferences(config, st.status, st.generation),
    });
  }
  return ghosts;
}

/** What a user who left the scope becomes: disabled (default), kept as is, or nothing (deleted). */
function leaverView(config: TenantConfig, view: AccountView): AccountView | null {
  switch (config.leavers) {
    case 'keep':
      return view;
    case 'delete':
      return null;
    case 'disable':
      return disabledView(view);
  }
}

function disabledView(view: AccountView): AccountView {
  return { ...view, status: 'disabled', preferences: { ...view.preferences, [META.status]: { type: 0, value: 'disabled' } } };
}

function truncatedWarning(user: DirectoryUser, attribute: string): PlanWarning {
  return {
    code: 'value-truncated',
    message: `${attribute} of ${user.userPrincipalName} is longer than Kamailio's 128 characters: cut to the first 128`,
  };
}

function foreignWarnings(current: CurrentTenant): PlanWarning[] {
  const list: PlanWarning[] = current.foreignSubscribers.map((u) => ({
    code: 'foreign-subscriber' as const,
    message: `subscriber '${u}' was not created by pbxsync: left alone`,
  }));
  for (const [alias, user] of [...current.foreignAliases].sort(([a], [b]) => compareExtensions(a, b))) {
    list.push({ code: 'foreign-alias', message: `extension ${alias} → '${user}' was not created by pbxsync: left alone` });
  }
  return list;
}
