/**
 * Turns a plan into row-level writes. Credentials are supplied by the caller (derived from the
 * master key at apply time), so the plan itself never carries them.
 */
import type { AccountView, Change, FieldChange, Plan } from '../model/plan.js';
import type { AliasInsert, PreferenceInsert, RowOps, SubscriberInsert } from '../model/row-ops.js';
import { META } from '../model/subscriber-fields.js';

export interface RowCredentials {
  /** `subscriber` row values for the account (password '' unless plaintext is stored). */
  subscriber(account: AccountView): SubscriberInsert;
  /** The softphone hash to store for an account whose credentials are (re)written. */
  softphoneHash(account: AccountView): string;
}

interface Ops {
  deleteSubscribers: string[];
  deleteAliases: AliasInsert[];
  deletePreferencesOf: string[];
  deletePreferences: { uuid: string; attribute: string }[];
  insertSubscribers: SubscriberInsert[];
  insertAliases: AliasInsert[];
  insertPreferences: PreferenceInsert[];
}

/** Row ops that change nothing, to fill in. */
export function emptyRowOps(domain: string): RowOps & Ops {
  return {
    domain,
    createDomain: null,
    deleteSubscribers: [],
    deleteAliases: [],
    deletePreferencesOf: [],
    deletePreferences: [],
    insertSubscribers: [],
    insertAliases: [],
    insertPreferences: [],
  };
}

export function buildRowOps(plan: Plan, creds: RowCredentials): RowOps {
  const { domain: _domain, createDomain: _none, ...ops } = emptyRowOps(plan.domain);
  let createDomain: RowOps['createDomain'] = null;
  for (const change of plan.changes) {
    if (change.kind === 'create' && change.entity === 'domain') createDomain = { did: change.did, attrs: { pbxsync_tenant: plan.tenant } };
    else addChange(ops, change, creds);
  }
  return { domain: plan.domain, createDomain, ...ops };
}

function addChange(ops: Ops, change: Exclude<Change, { entity: 'domain' }>, creds: RowCredentials): void {
  switch (change.kind) {
    case 'create':
      if (change.adopts) ops.deleteSubscribers.push(change.after.username);
      insertAccount(ops, change.after, creds);
      return;
    case 'update':
      return updateAccount(ops, change.before, change.after, change.fields, change.rotate, creds);
    case 'disable':
      ops.deleteSubscribers.push(change.before.username);
      ops.deletePreferences.push({ uuid: change.before.objectId, attribute: META.status });
      ops.insertPreferences.push(pref(change.after, META.status));
      return;
    case 'delete':
      ops.deleteSubscribers.push(change.before.username);
      for (const alias of extensionsOf(change.before.extension)) ops.deleteAliases.push({ aliasUsername: alias, username: change.before.username });
      ops.deletePreferencesOf.push(change.before.objectId);
      return;
    default: {
      const never: never = change;
      throw new Error(`unknown change ${JSON.stringify(never)}`);
    }
  }
}

function insertAccount(ops: Ops, account: AccountView, creds: RowCredentials): void {
  ops.insertSubscribers.push(creds.subscriber(account));
  ops.insertAliases.push({ aliasUsername: account.extension, username: account.username });
  for (const attribute of Object.keys(account.preferences)) ops.insertPreferences.push(pref(account, attribute));
  ops.insertPreferences.push({ ...base(account), attribute: META.softphoneHash, type: 0, value: creds.softphoneHash(account) });
}

function updateAccount(ops: Ops, before: AccountView, after: AccountView, fields: readonly FieldChange[], rotate: boolean, creds: RowCredentials): void {
  const renamed = before.username !== after.username;
  const extension = fields.find((f) => f.field === 'extension');
  if (renamed || extension) {
    const old = extension?.before ?? before.extension;
    for (const alias of extensionsOf(old)) ops.deleteAliases.push({ aliasUsername: alias, username: before.username });
    ops.insertAliases.push({ aliasUsername: after.extension, username: after.username });
  }
  if (renamed) {
    // Every row carries the username: rewrite the account's rows whole.
    ops.deleteSubscribers.push(before.username);
    ops.deletePreferencesOf.push(before.objectId);
    ops.insertSubscribers.push(creds.subscriber(after));
    for (const attribute of Object.keys(after.preferences)) ops.insertPreferences.push(pref(after, attribute));
    ops.insertPreferences.push({ ...base(after), attribute: META.softphoneHash, type: 0, value: creds.softphoneHash(after) });
    return;
  }
  const attributes = new Set(
    fields.filter((f) => !f.sensitive && f.field !== 'username' && f.field !== 'extension').map((f) => f.field.replace(/ \(type\)$/, '')),
  );
  for (const attribute of attributes) {
    ops.deletePreferences.push({ uuid: before.objectId, attribute });
    if (after.preferences[attribute]) ops.insertPreferences.push(pref(after, attribute));
  }
  if (rotate) {
    ops.deleteSubscribers.push(before.username);
    ops.insertSubscribers.push(creds.subscriber(after));
    ops.deletePreferences.push({ uuid: before.objectId, attribute: META.softphoneHash });
    ops.insertPreferences.push({ ...base(after), attribute: META.softphoneHash, type: 0, value: creds.softphoneHash(after) });
  }
}

function extensionsOf(joined: string | null): string[] {
  return joined ? joined.split(', ').filter((e) => e !== '') : [];
}

function base(account: AccountView): { uuid: string; username: string } {
  return { uuid: account.objectId, username: account.username };
}

function pref(account: AccountView, attribute: string): PreferenceInsert {
  const p = account.preferences[attribute]!;
  return { ...base(account), attribute, type: p.type, value: p.value };
}
