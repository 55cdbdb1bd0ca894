/**
 * The desired tenant: every account pbxsync should hold after an apply (active users, disabled
 * leavers, kept leavers), the domain, and what the state store should remember. Pure.
 */
import type { DirectoryUser } from '../model/directory-user.js';
import type { AccountView, PlanWarning } from '../model/plan.js';
import type { StoredAccount, StoredTenantState } from '../model/stored-state.js';
import type { TenantConfig } from '../model/tenant-config.js';
import { META } from '../model/subscriber-fields.js';
import type { CurrentTenant } from './current-accounts.js';
import { compareExtensions } from './extension-pool.js';
import { assignIdentities } from './identities.js';
import { PlanError } from './plan-error.js';
import { buildPreferences } from './preferences.js';
import { inScope, overridesByUser } from './scope.js';

export interface DesiredTenant {
  readonly did: string;
  /** Accounts that should exist after the apply, by object id. Absent = delete. */
  readonly accounts: ReadonlyMap<string, AccountView>;
  /** Object ids whose foreign subscriber row is taken over (`adopt: true`): username → id. */
  readonly adoptions: ReadonlyMap<string, string>;
  readonly warnings: readonly PlanWarning[];
  readonly nextState: StoredTenantState;
}

export interface DesiredInput {
  readonly config: TenantConfig;
  readonly directory: readonly DirectoryUser[];
  readonly current: CurrentTenant;
  readonly stored: StoredTenantState;
}

export function desired(input: DesiredInput): DesiredTenant {
  const { config, current, stored } = input;
  const overrides = overridesByUser(input.directory, config.users);
  const users = inScope(input.directory, config).filter((u) => overrides.get(u.id)?.exclude !== true);
  const ids = assignIdentities({ config, users, overrides, current, stored });
  if (ids.errors.length > 0) throw new PlanError(ids.errors, 'change the pins or the range in the tenant file');

  const accounts = new Map<string, AccountView>();
  const adoptions = new Map<string, string>();
  for (const u of users) {
    const id = ids.identities.get(u.id)!;
    const generation = overrides.get(u.id)?.generation ?? stored.accounts[u.id]?.generation ?? 1;
    accounts.set(u.id, {
      objectId: u.id,
      username: id.username,
      extension: id.extension,
      displayName: u.displayName,
      upn: u.userPrincipalName,
      status: 'active',
      generation,
      preferences: buildPreferences(config, u, overrides.get(u.id), 'active', generation),
    });
    if (id.adopts) adoptions.set(id.username, u.id);
  }
  for (const [id, acc] of current.accounts) {
    if (accounts.has(id)) continue;
    const leaver = leaverView(config, acc.view);
    if (leaver) accounts.set(id, leaver);
  }
  return {
    did: config.name,
    accounts,
    adoptions,
    warnings: warnings(current),
    nextState: nextState(stored, current, accounts, ids.released),
  };
}

/** What a user who left the scope becomes: disabled (default), kept as is, or nothing (deleted). */
function leaverView(config: TenantConfig, view: AccountView): AccountView | null {
  switch (config.leavers) {
    case 'keep':
      return view;
    case 'delete':
      return null;
    case 'disable': {
      const status = { type: 0, value: 'disabled' };
      return { ...view, status: 'disabled', preferences: { ...view.preferences, [META.status]: status } };
    }
  }
}

function warnings(current: CurrentTenant): PlanWarning[] {
  const list: PlanWarning[] = current.foreignSubscribers.map((u) => ({
    code: 'foreign-subscriber' as const,
    message: `subscriber '${u}' was not created by pbxsync: left alone`,
  }));
  for (const [alias, user] of [...current.foreignAliases].sort(([a], [b]) => compareExtensions(a, b))) {
    list.push({ code: 'foreign-alias', message: `extension ${alias} → '${user}' was not created by pbxsync: left alone` });
  }
  return list;
}

function nextState(
  stored: StoredTenantState,
  current: CurrentTenant,
  accounts: ReadonlyMap<string, AccountView>,
  released: readonly string[],
): StoredTenantState {
  const next: Record<string, StoredAccount> = { ...stored.accounts };
  const retired = new Set(stored.retired);
  for (const [id, acc] of current.accounts) {
    if (accounts.has(id)) continue;
    next[id] = { username: acc.view.username, extension: acc.view.extension, generation: acc.view.generation, status: 'deleted' };
    for (const e of acc.extensions) retired.add(e);
  }
  for (const e of released) retired.add(e);
  for (const [id, acc] of accounts) {
    next[id] = { username: acc.username, extension: acc.extension, generation: acc.generation, status: acc.status };
    retired.delete(acc.extension);
  }
  const sortedAccounts = Object.fromEntries(Object.entries(next).sort(([a], [b]) => (a < b ? -1 : 1)));
  return { version: 1, accounts: sortedAccounts, retired: [...retired].sort(compareExtensions) };
}
