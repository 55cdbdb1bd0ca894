/**
 * A plan is plain data: what would change in one tenant, without any secret. Render and
 * apply switch over `Change` exhaustively.
 */
import type { StoredTenantState } from './stored-state.js';

export const PLAN_FORMAT_VERSION = 1;

/** Everything pbxsync writes for one account, except credentials (which are derived at apply). */
export interface AccountView {
  readonly objectId: string;
  readonly username: string;
  readonly extension: string;
  readonly displayName: string;
  readonly upn: string;
  readonly status: 'active' | 'disabled';
  readonly generation: number;
  /** Preference attributes (including pbxsync's own) → { type, value }, sorted by attribute. */
  readonly preferences: Readonly<Record<string, { readonly type: number; readonly value: string }>>;
}

export interface FieldChange {
  readonly field: string;
  readonly before: string | null;
  readonly after: string | null;
  /** The values are secrets (or stand for them): render shows `(sensitive)`. */
  readonly sensitive: boolean;
}

export type Change =
  | { readonly kind: 'create'; readonly entity: 'domain'; readonly domain: string; readonly did: string }
  | {
      readonly kind: 'create';
      readonly entity: 'subscriber';
      readonly after: AccountView;
      /** Takes over an existing subscriber row of that username that pbxsync did not create. */
      readonly adopts: boolean;
    }
  | {
      readonly kind: 'update';
      readonly entity: 'subscriber';
      readonly before: AccountView;
      readonly after: AccountView;
      readonly fields: readonly FieldChange[];
      /** Credentials must be rewritten (new generation, missing or foreign hashes). */
      readonly rotate: boolean;
    }
  | { readonly kind: 'disable'; readonly entity: 'subscriber'; readonly before: AccountView; readonly after: AccountView }
  | { readonly kind: 'delete'; readonly entity: 'subscriber'; readonly before: AccountView };

export type WarningCode =
  | 'foreign-subscriber'
  | 'foreign-alias'
  | 'foreign-domain'
  | 'override-matches-nobody'
  | 'value-truncated';

export interface PlanWarning {
  readonly code: WarningCode;
  readonly message: string;
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

export interface Plan {
  readonly formatVersion: typeof PLAN_FORMAT_VERSION;
  readonly tenant: string;
  readonly domain: string;
  /** Fingerprint of the PBX rows the plan was computed from. */
  readonly pbxFingerprint: string;
  /** Fingerprint of the stored state the plan was computed from (see `stateFingerprint`). */
  readonly stateFingerprint: string;
  readonly changes: readonly Change[];
  /** Every active account after the apply, for the spreadsheet (no secrets). */
  readonly accounts: readonly AccountView[];
  readonly warnings: readonly PlanWarning[];
  readonly summary: PlanSummary;
  readonly safety: SafetyVerdict;
  /** The state store content once this plan is applied. */
  readonly nextState: StoredTenantState;
}
