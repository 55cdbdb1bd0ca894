/**
 * The tenant's record: what pbxsync must remember per tenant to rebuild it on an empty PBX
 * with the same usernames, extensions and passwords, and never to hand out a retired number.
 * It is kept twice, written by the same apply: in the state store, and in the tenant's own
 * PBX rows (live accounts are their rows; the rest is ledger rows, see `core/record-rows.ts`),
 * so that losing either one loses nothing.
 */
export interface StoredAccount {
  readonly username: string;
  /** The numbers routed to the account; empty once it is deleted (its numbers are retired). */
  readonly extensions: readonly string[];
  readonly generation: number;
  readonly status: 'active' | 'disabled' | 'deleted';
}

export const STATE_VERSION = 2;

export interface StoredTenantState {
  readonly version: typeof STATE_VERSION;
  /** One-way id of the master key the tenant's passwords derive from; null before the first apply. */
  readonly keyId: string | null;
  /** By directory object id (lower case), sorted. */
  readonly accounts: Readonly<Record<string, StoredAccount>>;
  /** Extensions that belonged to someone and must not be handed out again (unless reuse is on), sorted. */
  readonly retired: readonly string[];
}

export const EMPTY_STORED_STATE: StoredTenantState = { version: STATE_VERSION, keyId: null, accounts: {}, retired: [] };

export function isEmptyState(state: StoredTenantState): boolean {
  return state.keyId === null && Object.keys(state.accounts).length === 0 && state.retired.length === 0;
}
