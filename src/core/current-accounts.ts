/**
 * Groups a tenant's raw PBX rows into the accounts pbxsync manages (marked by a
 * `pbxsync_managed` preference naming the tenant, keyed by directory object id) and the rows
 * somebody else made, which pbxsync reports but never touches.
 */
import type { AccountView } from '../model/plan.js';
import type { PbxPreferenceRow, PbxSubscriberRow, PbxTenantState } from '../model/pbx-state.js';
import { META } from '../model/subscriber-fields.js';
import { compareExtensions } from './extension-pool.js';

export interface CurrentAccount {
  readonly view: AccountView;
  /** The subscriber row, when there is one (a disabled account has none). */
  readonly subscriber: PbxSubscriberRow | null;
  /** Every extension routed to the account; `view.extension` is the lowest. */
  readonly extensions: readonly string[];
  readonly hasSoftphoneHash: boolean;
}

export interface CurrentTenant {
  readonly accounts: ReadonlyMap<string, CurrentAccount>;
  readonly foreignSubscribers: readonly string[];
  /** alias → username, for aliases that route to no managed account. */
  readonly foreignAliases: ReadonlyMap<string, string>;
}

export function currentAccounts(pbx: PbxTenantState, tenant: string): CurrentTenant {
  const prefsByUuid = groupPreferences(pbx.preferences, tenant);
  const usernameToId = new Map<string, string>();
  for (const [uuid, rows] of prefsByUuid) usernameToId.set(rows[0]!.username, uuid);

  const subscriberByName = new Map(pbx.subscribers.map((s) => [s.username, s]));
  const aliasesOf = new Map<string, string[]>();
  const foreignAliases = new Map<string, string>();
  for (const a of pbx.aliases) {
    const id = usernameToId.get(a.username);
    if (id === undefined) foreignAliases.set(a.aliasUsername, a.username);
    else aliasesOf.set(id, [...(aliasesOf.get(id) ?? []), a.aliasUsername]);
  }

  const accounts = new Map<string, CurrentAccount>();
  for (const [uuid, rows] of prefsByUuid) {
    const username = rows[0]!.username;
    const extensions = (aliasesOf.get(uuid) ?? []).sort(compareExtensions);
    accounts.set(uuid, {
      view: toView(uuid, username, extensions[0] ?? '', rows),
      subscriber: subscriberByName.get(username) ?? null,
      extensions,
      hasSoftphoneHash: rows.some((r) => r.attribute === META.softphoneHash && r.value !== ''),
    });
  }
  const foreignSubscribers = pbx.subscribers
    .map((s) => s.username)
    .filter((u) => !usernameToId.has(u))
    .sort();
  return { accounts, foreignSubscribers, foreignAliases };
}

/** Preference rows of managed accounts, by uuid. Rows of unmanaged uuids are ignored. */
function groupPreferences(rows: readonly PbxPreferenceRow[], tenant: string): Map<string, PbxPreferenceRow[]> {
  const managed = new Set(
    rows.filter((r) => r.attribute === META.managed && r.value === tenant && r.uuid !== '').map((r) => r.uuid),
  );
  const byUuid = new Map<string, PbxPreferenceRow[]>();
  for (const r of rows) {
    if (!managed.has(r.uuid)) continue;
    const list = byUuid.get(r.uuid);
    if (list) list.push(r);
    else byUuid.set(r.uuid, [r]);
  }
  return byUuid;
}

function toView(uuid: string, username: string, extension: string, rows: readonly PbxPreferenceRow[]): AccountView {
  const preferences: Record<string, { type: number; value: string }> = {};
  for (const r of [...rows].sort((a, b) => a.attribute.localeCompare(b.attribute))) {
    // The softphone hash is a secret: it is never part of a view, so never part of a plan.
    if (r.attribute !== META.softphoneHash) preferences[r.attribute] = { type: r.type, value: r.value };
  }
  const status = preferences[META.status]?.value === 'disabled' ? 'disabled' : 'active';
  return {
    objectId: uuid,
    username,
    extension,
    displayName: preferences[META.displayName]?.value ?? '',
    upn: preferences[META.upn]?.value ?? '',
    status,
    generation: Number(preferences[META.generation]?.value ?? '1') || 1,
    preferences,
  };
}
