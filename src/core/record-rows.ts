/**
 * How the tenant's record (`StoredTenantState`) lives in the tenant's own PBX rows. Live
 * accounts are their own rows already (username, aliases, `pbxsync_generation`,
 * `pbxsync_status`); what only the record knows — the master key's id, retired numbers and
 * deleted accounts — is kept as "ledger" rows of `usr_preferences` in the tenant's domain:
 *
 *   uuid            username   attribute          value
 *   @pbxsync        @pbxsync   pbxsync_key_id     k1-… (one-way id of the master key)
 *   @pbxsync        @pbxsync   pbxsync_retired    1012 (one row per number)
 *   <object id>     @pbxsync   pbxsync_deleted    <generation> <username>
 *
 * Why there: Kamailio's schema must stay as it is (no new table or column), and avpops
 * loads preferences by a request's user@domain or by uuid: no SIP URI has a user part
 * `@pbxsync` ('@' cannot appear in it), and no account has uuid `@pbxsync`, so call
 * processing never loads these rows. `domain_attrs` would not do: the domain module hands
 * every attribute to each request that calls `lookup_domain`.
 */
import type { PbxPreferenceRow } from '../model/pbx-state.js';
import type { RecordEntry } from '../model/plan.js';
import type { PreferenceInsert } from '../model/row-ops.js';
import type { StoredTenantState } from '../model/stored-state.js';
import { compareExtensions } from './extension-pool.js';

const LEDGER_USERNAME = '@pbxsync';
const LEDGER_UUID = '@pbxsync';

const ATTRIBUTE = { key: 'pbxsync_key_id', retired: 'pbxsync_retired', deleted: 'pbxsync_deleted' } as const;

export function isLedgerRow(row: { readonly username: string }): boolean {
  return row.username === LEDGER_USERNAME;
}

/** The ledger rows of a tenant as record entries; rows pbxsync cannot read are reported. */
export function parseLedgerRows(rows: readonly PbxPreferenceRow[]): { entries: RecordEntry[]; unreadable: number } {
  const entries: RecordEntry[] = [];
  let unreadable = 0;
  for (const row of rows) {
    const entry = parseRow(row);
    if (entry) entries.push(entry);
    else unreadable++;
  }
  return { entries, unreadable };
}

function parseRow(row: PbxPreferenceRow): RecordEntry | null {
  if (row.attribute === ATTRIBUTE.key && row.uuid === LEDGER_UUID && row.value !== '') return { type: 'key', keyId: row.value };
  if (row.attribute === ATTRIBUTE.retired && row.uuid === LEDGER_UUID && row.value !== '') return { type: 'retired', extension: row.value };
  if (row.attribute === ATTRIBUTE.deleted) {
    const match = /^(\d+) (\S+)$/.exec(row.value);
    if (match) return { type: 'deleted', objectId: row.uuid, username: match[2]!, generation: Number(match[1]) };
  }
  return null;
}

/** The `usr_preferences` row of an entry (in the tenant's domain). */
export function ledgerRow(entry: RecordEntry): PreferenceInsert {
  switch (entry.type) {
    case 'key':
      return { uuid: LEDGER_UUID, username: LEDGER_USERNAME, attribute: ATTRIBUTE.key, type: 0, value: entry.keyId };
    case 'retired':
      return { uuid: LEDGER_UUID, username: LEDGER_USERNAME, attribute: ATTRIBUTE.retired, type: 0, value: entry.extension };
    case 'deleted':
      return { uuid: entry.objectId, username: LEDGER_USERNAME, attribute: ATTRIBUTE.deleted, type: 0, value: `${entry.generation} ${entry.username}` };
    default: {
      const never: never = entry;
      throw new Error(`unknown record entry ${JSON.stringify(never)}`);
    }
  }
}

/** What the ledger rows must hold for a record: everything its live accounts' rows do not say. */
export function ledgerEntries(state: StoredTenantState): RecordEntry[] {
  const entries: RecordEntry[] = [];
  if (state.keyId !== null) entries.push({ type: 'key', keyId: state.keyId });
  for (const extension of state.retired) entries.push({ type: 'retired', extension });
  for (const [objectId, account] of Object.entries(state.accounts)) {
    if (account.status === 'deleted') entries.push({ type: 'deleted', objectId, username: account.username, generation: account.generation });
  }
  return entries;
}

function entryKey(entry: RecordEntry): string {
  switch (entry.type) {
    case 'key':
      return `key ${entry.keyId}`;
    case 'retired':
      return `retired ${entry.extension}`;
    case 'deleted':
      return `deleted ${entry.objectId} ${entry.generation} ${entry.username}`;
  }
}

/** Entries to add and remove so that `have` becomes `want`, in a stable order. */
export function diffEntries(have: readonly RecordEntry[], want: readonly RecordEntry[]): { add: RecordEntry[]; remove: RecordEntry[] } {
  const haveKeys = new Set(have.map(entryKey));
  const wantKeys = new Set(want.map(entryKey));
  const add = dedupe(want.filter((e) => !haveKeys.has(entryKey(e))));
  const remove = dedupe(have.filter((e) => !wantKeys.has(entryKey(e))));
  return { add: add.sort(compareEntries), remove: remove.sort(compareEntries) };
}

function dedupe(entries: RecordEntry[]): RecordEntry[] {
  const seen = new Set<string>();
  return entries.filter((e) => {
    const key = entryKey(e);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const ORDER: Record<RecordEntry['type'], number> = { key: 0, retired: 1, deleted: 2 };

function compareEntries(a: RecordEntry, b: RecordEntry): number {
  if (a.type !== b.type) return ORDER[a.type] - ORDER[b.type];
  if (a.type === 'retired' && b.type === 'retired') return compareExtensions(a.extension, b.extension);
  const x = entryKey(a);
  const y = entryKey(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
