/**
 * Groups a tenant's raw PBX rows into the accounts pbxsync manages (marked by a
 * `pbxsync_managed` preference naming the tenant, keyed by directory object id), the ledger
 * rows of the tenant's record, and the rows somebody else made, which pbxsync reports but
 * never touches.
 */
import type { PbxPreferenceRow, PbxSubscriberRow, PbxTenantState } from '../model/pbx-state.js';
import type { AccountView, Preference, RecordEntry } from '../model/plan.js';
import { META, type PreferenceType } from '../model/subscriber-fields.js';
import { compareExtensions } from './extension-pool.js';
import { isLedgerRow, parseLedgerRows } from './record-rows.js';

export interface CurrentAccount {
  readonly view: AccountView;
  /** The subscriber row, when there is one (a disabled account has none). */
  readonly subscriber: PbxSubscriberRow | null;
  readonly hasSoftphoneHash: boolean;
}

export interface CurrentTenant {
  readonly accounts: ReadonlyMap<string, CurrentAccount>;
  /** The tenant's ledger rows (see `record-rows.ts`). */
  readonly ledger: readonly RecordEntry[];
  /** Ledger rows pbxsync could not read (left alone). */
  readonly unreadableLedgerRows: number;
  readonly foreignSubscribers: readonly string[];
  /** alias → username, for aliases that route to no managed account. */
  readonly foreignAliases: ReadonlyMap<string, string>;
  /** Accounts in this domain that pbxsync made for another tenant name: tenant → count. */
  readonly otherTenants: ReadonlyMap<string, number>;
}

export function currentAccounts(pbx: PbxTenantState, tenant: string): CurrentTenant {
  const ledgerRows = pbx.preferences.filter(isLedgerRow);
  const { managed, otherTenants } = groupPreferences(
    pbx.preferences.filter((r) => !isLedgerRow(r)),
    tenant,
  );
  const usernameToId = new Map<string, string>();
  for (const [uuid, rows] of managed) usernameToId.set(rows[0]!.username, uuid);

  const subscriberByName = new Map(pbx.subscribers.map((s) => [s.username, s]));
  const aliasesOf = new Map<string, string[]>();
  const foreignAliases = new Map<string, string>();
  for (const a of pbx.aliases) {
    const id = usernameToId.get(a.username);
    if (id === undefined) foreignAliases.set(a.aliasUsername, a.username);
    else aliasesOf.set(id, [...(aliasesOf.get(id) ?? []), a.aliasUsername]);
  }

  const accounts = new Map<string, CurrentAccount>();
  for (const [uuid, rows] of managed) {
    const username = rows[0]!.username;
    const extensions = [...new Set(aliasesOf.get(uuid) ?? [])].sort(compareExtensions);
    accounts.set(uuid, {
      view: toView(uuid, username, extensions, rows),
      subscriber: subscriberByName.get(username) ?? null,
      hasSoftphoneHash: rows.some((r) => r.attribute === META.softphoneHash && r.value !== ''),
    });
  }
  const foreignSubscribers = pbx.subscribers
    .map((s) => s.username)
    .filter((u) => !usernameToId.has(u))
    .sort();
  const ledger = parseLedgerRows(ledgerRows);
  return { accounts, ledger: ledger.entries, unreadableLedgerRows: ledger.unreadable, foreignSubscribers, foreignAliases, otherTenants };
}

/** Preference rows of this tenant's managed accounts, by uuid; and who else manages rows here. */
function groupPreferences(rows: readonly PbxPreferenceRow[], tenant: string) {
  const managedIds = new Set<string>();
  const others = new Map<string, Set<string>>();
  for (const r of rows) {
    if (r.attribute !== META.managed || r.uuid === '') continue;
    if (r.value === tenant) managedIds.add(r.uuid);
    else others.set(r.value, (others.get(r.value) ?? new Set()).add(r.uuid));
  }
  const managed = new Map<string, PbxPreferenceRow[]>();
  for (const r of rows) {
    if (!managedIds.has(r.uuid)) continue;
    const list = managed.get(r.uuid);
    if (list) list.push(r);
    else managed.set(r.uuid, [r]);
  }
  const otherTenants = new Map([...others].map(([name, ids]) => [name, ids.size]));
  return { managed, otherTenants };
}

function toView(uuid: string, username: string, extensions: string[], rows: readonly PbxPreferenceRow[]): AccountView {
  const preferences: Record<string, Preference> = {};
  for (const r of [...rows].sort((a, b) => (a.attribute < b.attribute ? -1 : a.attribute > b.attribute ? 1 : 0))) {
    // The softphone hash is a secret: it is never part of a view, so never part of a plan.
    if (r.attribute !== META.softphoneHash) preferences[r.attribute] = { type: asType(r.type), value: r.value };
  }
  const status = preferences[META.status]?.value === 'disabled' ? 'disabled' : 'active';
  return {
    objectId: uuid,
    username,
    extensions,
    displayName: preferences[META.displayName]?.value ?? '',
    upn: preferences[META.upn]?.value ?? '',
    status,
    generation: Number(preferences[META.generation]?.value ?? '1') || 1,
    preferences,
  };
}

/** Kamailio's avpops types: 0 string, 1 integer; anything else written by hand reads as a string. */
function asType(type: number): PreferenceType {
  return type === 1 ? 1 : 0;
}
