/**
 * Turns a plan into row-level writes, reading only the changes' typed data. Credentials are
 * supplied by the caller (derived from the master key at apply time), so the plan itself
 * never carries them.
 */
import type { AccountView, Change, RecordEntry, RehashedAccount, SubscriberChange } from '../model/plan.js';
import type { AccountRename, AliasInsert, PreferenceDelete, PreferenceInsert, RowOps, SubscriberInsert } from '../model/row-ops.js';
import { META } from '../model/subscriber-fields.js';
import { ledgerRow } from './record-rows.js';

export interface RowCredentials {
  /** `subscriber` row values for the account (password '' unless plaintext is stored). */
  subscriber(account: AccountView): SubscriberInsert;
  /** The softphone hash to store for an account whose hash is (re)written. */
  softphoneHash(account: AccountView): string;
}

interface Ops {
  deleteSubscribers: string[];
  deleteAliases: AliasInsert[];
  deletePreferencesOf: string[];
  deletePreferences: PreferenceDelete[];
  renameAccounts: AccountRename[];
  insertSubscribers: SubscriberInsert[];
  insertAliases: AliasInsert[];
  insertPreferences: PreferenceInsert[];
}

/** Row ops that change nothing, to fill in. */
export function emptyRowOps(domain: string, did: string): RowOps & Ops {
  return {
    domain,
    did,
    createDomain: null,
    moveDomain: null,
    deleteSubscribers: [],
    deleteAliases: [],
    deletePreferencesOf: [],
    deletePreferences: [],
    renameAccounts: [],
    insertSubscribers: [],
    insertAliases: [],
    insertPreferences: [],
  };
}

export function buildRowOps(plan: { readonly tenant: string; readonly domain: string; readonly changes: readonly Change[] }, creds: RowCredentials): RowOps {
  const { domain: _domain, did: _did, createDomain: _none, moveDomain: _move, ...ops } = emptyRowOps(plan.domain, plan.tenant);
  let createDomain: RowOps['createDomain'] = null;
  let moveDomain: RowOps['moveDomain'] = null;
  for (const change of plan.changes) {
    switch (change.entity) {
      case 'domain':
        if (change.kind === 'create') createDomain = { did: change.did, attrs: { pbxsync_tenant: plan.tenant } };
        else {
          moveDomain = { from: change.from };
          for (const a of change.rehash) rewriteSubscriber(ops, a, creds);
        }
        break;
      case 'record':
        for (const entry of change.remove) ops.deletePreferences.push(ledgerDelete(entry));
        for (const entry of change.add) ops.insertPreferences.push(ledgerRow(entry));
        break;
      case 'subscriber':
        addSubscriberChange(ops, change, creds);
        break;
      default: {
        const never: never = change;
        throw new Error(`unknown change ${JSON.stringify(never)}`);
      }
    }
  }
  return { domain: plan.domain, did: plan.tenant, createDomain, moveDomain, ...ops };
}

/** The subscriber row of an account that a domain move takes along: same password, ha1/ha1b for the new domain. */
function rewriteSubscriber(ops: Ops, a: RehashedAccount, creds: RowCredentials): void {
  const view: AccountView = { ...a, extensions: [], displayName: '', upn: '', status: 'active', preferences: {} };
  ops.deleteSubscribers.push(a.username);
  ops.insertSubscribers.push(creds.subscriber(view));
}

function addSubscriberChange(ops: Ops, change: SubscriberChange, creds: RowCredentials): void {
  switch (change.kind) {
    case 'create':
      if (change.adopts) ops.deleteSubscribers.push(change.after.username);
      return insertAccount(ops, change.after, change.credentials.writeSubscriber, change.credentials.writeSoftphoneHash, creds);
    case 'update':
      return updateAccount(ops, change, creds);
    case 'disable':
      ops.deleteSubscribers.push(change.before.username);
      ops.deletePreferences.push({ uuid: change.before.objectId, attribute: META.status, value: null });
      ops.insertPreferences.push(pref(change.after, META.status));
      rewriteDigest(ops, change.before, change.after);
      return;
    case 'delete':
      ops.deleteSubscribers.push(change.before.username);
      for (const alias of change.before.extensions) ops.deleteAliases.push({ aliasUsername: alias, username: change.before.username });
      ops.deletePreferencesOf.push(change.before.objectId);
      return;
    default: {
      const never: never = change;
      throw new Error(`unknown change ${JSON.stringify(never)}`);
    }
  }
}

function insertAccount(ops: Ops, account: AccountView, subscriber: boolean, softphone: boolean, creds: RowCredentials): void {
  if (subscriber) ops.insertSubscribers.push(creds.subscriber(account));
  for (const e of account.extensions) ops.insertAliases.push({ aliasUsername: e, username: account.username });
  for (const attribute of Object.keys(account.preferences)) ops.insertPreferences.push(pref(account, attribute));
  if (softphone) ops.insertPreferences.push(softphoneRow(account, creds));
}

function updateAccount(ops: Ops, change: Extract<SubscriberChange, { kind: 'update' }>, creds: RowCredentials): void {
  const { before, after, credentials } = change;
  if (change.extensions) {
    const { before: had, after: has } = change.extensions;
    for (const e of had) if (!has.includes(e)) ops.deleteAliases.push({ aliasUsername: e, username: before.username });
    for (const e of has) if (!had.includes(e)) ops.insertAliases.push({ aliasUsername: e, username: after.username });
  }
  if (change.username) ops.renameAccounts.push({ uuid: before.objectId, from: change.username.before, to: change.username.after });
  for (const a of change.attributes) {
    if (a.before !== null) ops.deletePreferences.push({ uuid: before.objectId, attribute: a.attribute, value: null });
    if (a.after !== null)
      ops.insertPreferences.push({ uuid: after.objectId, username: after.username, attribute: a.attribute, type: a.after.type, value: a.after.value });
  }
  rewriteDigest(ops, before, after);
  if (credentials.writeSubscriber) {
    ops.deleteSubscribers.push(before.username);
    ops.insertSubscribers.push(creds.subscriber(after));
  }
  if (credentials.writeSoftphoneHash) {
    ops.deletePreferences.push({ uuid: before.objectId, attribute: META.softphoneHash, value: null });
    ops.insertPreferences.push(softphoneRow(after, creds));
  }
}

/** The account's digest of what pbxsync wrote (see `written-digest.ts`) follows every write of its rows. */
function rewriteDigest(ops: Ops, before: AccountView, after: AccountView): void {
  const had = before.preferences[META.written];
  const has = after.preferences[META.written];
  if (had?.value === has?.value && had?.type === has?.type) return;
  if (had) ops.deletePreferences.push({ uuid: before.objectId, attribute: META.written, value: null });
  if (has) ops.insertPreferences.push(pref(after, META.written));
}

function ledgerDelete(entry: RecordEntry): PreferenceDelete {
  const row = ledgerRow(entry);
  return { uuid: row.uuid, attribute: row.attribute, value: row.value };
}

function softphoneRow(account: AccountView, creds: RowCredentials): PreferenceInsert {
  return { uuid: account.objectId, username: account.username, attribute: META.softphoneHash, type: 0, value: creds.softphoneHash(account) };
}

function pref(account: AccountView, attribute: string): PreferenceInsert {
  const p = account.preferences[attribute]!;
  return { uuid: account.objectId, username: account.username, attribute, type: p.type, value: p.value };
}
