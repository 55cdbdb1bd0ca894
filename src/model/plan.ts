/**
 * A plan is plain data: what would change in one tenant, without any secret. Every change
 * carries the typed, apply-ready data that row writes and the three renderers derive from
 * (extension lists, attribute set/unset, one credential decision); nothing is ever parsed
 * back from display text. Render and apply switch over `Change` exhaustively.
 */
import type { StoredTenantState } from './stored-state.js';
import type { PreferenceType } from './subscriber-fields.js';

export const PLAN_FORMAT_VERSION = 2;

export interface Preference {
  readonly type: PreferenceType;
  readonly value: string;
}

/** Everything pbxsync writes for one account, except credentials (which are derived at apply). */
export interface AccountView {
  readonly objectId: string;
  readonly username: string;
  /** Every extension routed to the account, lowest first; a desired account has exactly one. */
  readonly extensions: readonly string[];
  readonly displayName: string;
  readonly upn: string;
  readonly status: 'active' | 'disabled';
  readonly generation: number;
  /** Preference attributes (including pbxsync's own) → { type, value }, sorted by attribute. */
  readonly preferences: Readonly<Record<string, Preference>>;
}

/** One `usr_preferences` attribute set, changed or removed. */
export interface AttributeChange {
  readonly attribute: string;
  /** null: the account had no such row. */
  readonly before: Preference | null;
  /** null: the row is removed. */
  readonly after: Preference | null;
}

/** An account's aliases before and after; rows of `before − after` go, `after − before` come. */
interface ExtensionChange {
  readonly before: readonly string[];
  readonly after: readonly string[];
}

/** Why credential rows are written; decided once, by the diff. */
export type CredentialReason =
  | 'new-account'
  | 'restored' // rebuilt from the tenant's record: same username, extension and passwords
  | 'generation' // users.X.generation changed: new passwords
  | 'rekey' // the tenant moves to another master key: new passwords
  | 'username' // ha1/ha1b contain the username
  | 'reenable' // a returning leaver gets its subscriber row back, same passwords
  | 'missing-row' // the subscriber row was removed by someone
  | 'hash-mismatch' // the stored ha1/ha1b are not what the key derives (changed by hand?)
  | 'plaintext-setting' // credentials.store_plaintext changed
  | 'domain' // the tenant moves to another domain: ha1/ha1b contain it
  | 'missing-softphone-hash';

/** Credential rewrites no tenant file or directory asks for: the rows were changed or removed by hand. */
export const CREDENTIAL_DRIFT_REASONS: ReadonlySet<CredentialReason> = new Set<CredentialReason>(['hash-mismatch', 'missing-row', 'missing-softphone-hash']);

/** What an apply writes of an account's credentials. */
export interface CredentialPlan {
  /** The passwords change (a new generation, or a new master key): shown as (sensitive). */
  readonly newPasswords: boolean;
  /** The `subscriber` row is (re)written from the derived SIP password. */
  readonly writeSubscriber: boolean;
  /** The softphone password's hash is (re)written. */
  readonly writeSoftphoneHash: boolean;
  readonly reasons: readonly CredentialReason[];
}

/**
 * A part of an account's rows: `identity` its username and aliases, `settings` its managed
 * `usr_preferences`, `credentials` its subscriber row (ha1/ha1b, or the row itself) and
 * softphone hash.
 */
export type AccountPart = 'identity' | 'settings' | 'credentials';

/**
 * Why an account is updated, by part (each list in `AccountPart` order). A part only in
 * `drift` is set back to what pbxsync last wrote: every line of it is drift. A part in both
 * was changed by hand and the file or directory changes it too: the new value wins.
 */
export interface UpdateCause {
  /** Parts the tenant file or the directory asks to change. */
  readonly requested: readonly AccountPart[];
  /** Parts changed outside pbxsync since it last wrote them ("drift"). */
  readonly drift: readonly AccountPart[];
}

export type SubscriberChange =
  | {
      readonly kind: 'create';
      readonly entity: 'subscriber';
      /** Active (a joiner), or disabled (a disabled leaver restored from the record after a wipe). */
      readonly after: AccountView;
      /** Takes over an existing subscriber row of that username that pbxsync did not create. */
      readonly adopts: boolean;
      readonly credentials: CredentialPlan;
    }
  | {
      readonly kind: 'update';
      readonly entity: 'subscriber';
      readonly before: AccountView;
      readonly after: AccountView;
      /** The username changes: every row of the account is renamed. */
      readonly username: { readonly before: string; readonly after: string } | null;
      readonly extensions: ExtensionChange | null;
      readonly attributes: readonly AttributeChange[];
      readonly credentials: CredentialPlan;
      readonly cause: UpdateCause;
    }
  | {
      readonly kind: 'disable';
      readonly entity: 'subscriber';
      readonly before: AccountView;
      /** `before` with status disabled: the subscriber row goes, aliases and preferences stay. */
      readonly after: AccountView;
    }
  | { readonly kind: 'delete'; readonly entity: 'subscriber'; readonly before: AccountView };

/**
 * An entry of the tenant's record (see `StoredTenantState`) that the PBX keeps in its own
 * rows, so that a lost state store loses nothing.
 */
export type RecordEntry =
  | { readonly type: 'key'; readonly keyId: string }
  | { readonly type: 'retired'; readonly extension: string }
  | { readonly type: 'deleted'; readonly objectId: string; readonly username: string; readonly generation: number };

/** An account whose subscriber row a domain move rewrites (its ha1/ha1b contain the domain). */
export interface RehashedAccount {
  readonly objectId: string;
  readonly username: string;
  readonly generation: number;
}

type DomainChange =
  | { readonly kind: 'create'; readonly entity: 'domain'; readonly domain: string; readonly did: string }
  | {
      readonly kind: 'move';
      readonly entity: 'domain';
      /** The tenant's domain before: every row of the tenant leaves it, and its domain row is renamed. */
      readonly from: string;
      readonly to: string;
      readonly did: string;
      /** Subscriber rows rewritten for the new domain, same passwords (those no other change rewrites). */
      readonly rehash: readonly RehashedAccount[];
      /** How many of the tenant's accounts (active and disabled) move. */
      readonly accounts: number;
    };

export type Change =
  | DomainChange
  | SubscriberChange
  | {
      readonly kind: 'update';
      readonly entity: 'record';
      readonly add: readonly RecordEntry[];
      readonly remove: readonly RecordEntry[];
    };

type WarningCode =
  | 'foreign-subscriber'
  | 'foreign-alias'
  | 'override-matches-nobody'
  | 'override-stale-upn'
  | 'value-truncated'
  | 'value-cleaned'
  | 'record-restored'
  | 'record-disagrees';

export interface PlanWarning {
  readonly code: WarningCode;
  readonly message: string;
  /** Where in the tenant file, for warnings about it. */
  readonly location?: { readonly file: string; readonly line: number; readonly col: number };
  readonly hint?: string;
}

export interface SafetyVerdict {
  readonly ok: boolean;
  readonly existing: number;
  readonly removing: number;
  readonly updating: number;
  readonly maxRemoveShare: number;
  readonly maxUpdateShare: number;
  readonly minExisting: number;
  readonly reasons: readonly string[];
}

export interface PlanSummary {
  readonly create: number;
  readonly update: number;
  readonly disable: number;
  readonly delete: number;
}

/** Whether the domain a plan creates the tenant on, or moves it onto, is proven to be the customer's. */
export interface DomainCheck {
  readonly domain: string;
  readonly reason: 'create' | 'move';
  /** verified: its TXT record is there; namespace: it lies under the ISP's own namespace. */
  readonly state: 'verified' | 'namespace' | 'missing' | 'wrong-value' | 'failure';
  /** The record the customer's DNS must hold. */
  readonly record: { readonly name: string; readonly type: 'TXT'; readonly value: string };
  readonly detail: string;
}

/** Who of the directory is in scope, and why the others are not. */
export interface ScopeSummary {
  readonly read: number;
  readonly inScope: number;
  readonly disabled: number;
  readonly guests: number;
  /** Users whose UPN domain is neither the tenant's domain nor one of `source.scope.domains`, by domain. */
  readonly otherDomains: Readonly<Record<string, number>>;
  readonly excluded: number;
}

export function domainAllowed(check: DomainCheck | null): boolean {
  return check === null || check.state === 'verified' || check.state === 'namespace';
}

export interface Plan {
  readonly formatVersion: typeof PLAN_FORMAT_VERSION;
  readonly tenant: string;
  readonly domain: string;
  /** One-way id of the master key the plan was made with (never the key). */
  readonly keyId: string;
  /** Fingerprint of the PBX rows the plan was computed from. */
  readonly pbxFingerprint: string;
  /** Fingerprint of the tenant's record (state store and PBX merged) the plan was computed from. */
  readonly recordFingerprint: string;
  readonly changes: readonly Change[];
  /** Every active account after the apply, for the spreadsheet (no secrets). */
  readonly accounts: readonly AccountView[];
  readonly warnings: readonly PlanWarning[];
  readonly summary: PlanSummary;
  readonly safety: SafetyVerdict;
  /** The check of a domain the plan creates or moves onto; null when the domain is the tenant's already. */
  readonly domainCheck: DomainCheck | null;
  /** Null for a replayed saved plan (the directory is not read again). */
  readonly scope: ScopeSummary | null;
  /** The tenant's record once this plan is applied (state store and PBX rows alike). */
  readonly nextState: StoredTenantState;
}

export function primaryExtension(account: AccountView): string {
  return account.extensions[0] ?? '';
}
