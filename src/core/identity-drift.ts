/**
 * Usernames and aliases changed by hand in the PBX. The PBX rows are the tenant's record for
 * every account they hold (they are what phones use, and a state store restored from an old
 * backup must not undo newer applies), except where they prove themselves changed outside
 * pbxsync: the account's digest of what pbxsync last wrote (see `written-digest.ts`) no
 * longer matches its rows, but matches the state store's copy. Then that copy is what
 * pbxsync wrote, and the account's username and extensions are set back to it. Pure.
 */
import type { StoredAccount, StoredTenantState } from '../model/stored-state.js';
import type { CurrentTenant } from './current-accounts.js';
import { identityDigest, writtenDigest } from './written-digest.js';

export type WrittenIdentity = Pick<StoredAccount, 'username' | 'extensions'>;

/** Accounts whose username or aliases were changed outside pbxsync, with what pbxsync wrote: object id → identity. */
export function writtenIdentities(current: CurrentTenant, stored: StoredTenantState): Map<string, WrittenIdentity> {
  const restored = new Map<string, WrittenIdentity>();
  for (const [id, acc] of current.accounts) {
    const written = writtenDigest(acc.view);
    const st = stored.accounts[id];
    if (written === null || st === undefined || st.status === 'deleted') continue;
    if (identityDigest(acc.view) === written.identity || identityDigest(st) !== written.identity) continue;
    restored.set(id, { username: st.username, extensions: st.extensions });
  }
  return restored;
}

/** The PBX's record with those accounts' identities as pbxsync wrote them. */
export function withWrittenIdentities(record: StoredTenantState, restored: ReadonlyMap<string, WrittenIdentity>): StoredTenantState {
  if (restored.size === 0) return record;
  const accounts = { ...record.accounts };
  for (const [id, identity] of restored) {
    const acc = accounts[id];
    if (acc) accounts[id] = { ...acc, username: identity.username, extensions: [...identity.extensions] };
  }
  return { ...record, accounts };
}
