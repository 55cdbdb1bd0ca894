/**
 * The row-level writes of one apply, for one tenant domain, as plain data. Built by the core
 * from a plan (see `core/row-ops.ts`), executed by a `PbxProvider` as bulk statements inside a
 * single transaction, in this order: deletes, then inserts.
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

export interface RowOps {
  readonly domain: string;
  /** Create the `domain` row (did) and its `domain_attrs`, when not there yet. */
  readonly createDomain: { readonly did: string; readonly attrs: Readonly<Record<string, string>> } | null;
  /** Usernames whose `subscriber` row is deleted. */
  readonly deleteSubscribers: readonly string[];
  /** `dbaliases` rows deleted: an extension together with the username it routes to. */
  readonly deleteAliases: readonly AliasInsert[];
  /** Object ids whose `usr_preferences` rows (in this domain) are all deleted. */
  readonly deletePreferencesOf: readonly string[];
  /** Single preference rows deleted (uuid + attribute, in this domain). */
  readonly deletePreferences: readonly { readonly uuid: string; readonly attribute: string }[];
  readonly insertSubscribers: readonly SubscriberInsert[];
  readonly insertAliases: readonly AliasInsert[];
  readonly insertPreferences: readonly PreferenceInsert[];
}
