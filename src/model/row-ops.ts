/**
 * The row-level writes of one apply, for one tenant domain, as plain data. Built by the core
 * from a plan (see `core/row-ops.ts`), executed by a `PbxProvider` as bulk statements inside a
 * single transaction, in this order: deletes, then renames, then inserts.
 */
export interface SubscriberInsert {
  readonly username: string;
  /** Plaintext only when the tenant stores plaintext; '' otherwise. */
  readonly password: string;
  readonly ha1: string;
  readonly ha1b: string;
}

export interface AliasInsert {
  readonly aliasUsername: string;
  readonly username: string;
}

export interface PreferenceInsert {
  readonly uuid: string;
  readonly username: string;
  readonly attribute: string;
  readonly type: number;
  readonly value: string;
}

/** Preference rows deleted by uuid + attribute (in this domain), and by value when it is not null. */
export interface PreferenceDelete {
  readonly uuid: string;
  readonly attribute: string;
  readonly value: string | null;
}

/** An account's `usr_preferences` and `dbaliases` rows move from one username to another. */
export interface AccountRename {
  readonly uuid: string;
  readonly from: string;
  readonly to: string;
}

export interface RowOps {
  readonly domain: string;
  /** The tenant's name (its domain's did), for the fingerprint re-read inside the transaction. */
  readonly did: string;
  /** Create the `domain` row (did) and its `domain_attrs`, when not there yet. */
  readonly createDomain: { readonly did: string; readonly attrs: Readonly<Record<string, string>> } | null;
  /**
   * Before everything else: every row of domain `from` (subscribers, aliases, preferences,
   * and the domain row itself; its did and domain_attrs stay) moves to `domain`.
   */
  readonly moveDomain: { readonly from: string } | null;
  /** Usernames whose `subscriber` row is deleted. */
  readonly deleteSubscribers: readonly string[];
  /** `dbaliases` rows deleted: an extension together with the username it routes to. */
  readonly deleteAliases: readonly AliasInsert[];
  /** Object ids whose `usr_preferences` rows (in this domain) are all deleted. */
  readonly deletePreferencesOf: readonly string[];
  readonly deletePreferences: readonly PreferenceDelete[];
  /** Renames of accounts' preference and alias rows (the subscriber row is deleted and inserted). */
  readonly renameAccounts: readonly AccountRename[];
  readonly insertSubscribers: readonly SubscriberInsert[];
  readonly insertAliases: readonly AliasInsert[];
  readonly insertPreferences: readonly PreferenceInsert[];
}

/** How many rows the ops touch, for progress and benchmarks. */
export function rowCount(ops: RowOps): number {
  return (
    ops.deleteSubscribers.length +
    ops.deleteAliases.length +
    ops.deletePreferencesOf.length +
    ops.deletePreferences.length +
    ops.renameAccounts.length +
    ops.insertSubscribers.length +
    ops.insertAliases.length +
    ops.insertPreferences.length
  );
}
