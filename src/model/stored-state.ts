/**
 * What pbxsync remembers per tenant in its state store, beyond what the PBX rows say: enough
 * to rebuild the tenant on an empty PBX with the same usernames, extensions and passwords.
 */
export interface StoredAccount {
  readonly username: string;
  readonly extension: string;
  readonly generation: number;
  readonly status: 'active' | 'disabled' | 'deleted';
}

export interface StoredTenantState {
  readonly version: 1;
  /** By directory object id. */
  readonly accounts: Readonly<Record<string, StoredAccount>>;
  /** Extensions that belonged to someone and must not be handed out again (unless reuse is on). */
  readonly retired: readonly string[];
}

export const EMPTY_STORED_STATE: StoredTenantState = { version: 1, accounts: {}, retired: [] };
