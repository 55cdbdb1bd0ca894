/**
 * The PBX side of pbxsync: Kamailio's standard tables in some database. SQLite is built in;
 * other databases (PostgreSQL next) implement this same interface.
 *
 * Contract for implementers:
 * - Every method touches only Kamailio's own tables (`version`, `subscriber`, `dbaliases`,
 *   `usr_preferences`, `domain`, `domain_attrs`) exactly as Kamailio 5.6's SQL scripts define
 *   them; never add a table or a column.
 * - `read` and `apply` check the schema first (see `checkSchema`).
 * - `read` and `apply` see and change only the rows of the domain they are given.
 * - Errors a user can fix (missing database, wrong schema, busy lock, changed rows) are
 *   `UserError`s from `./errors.js`; anything else is rethrown as is.
 */
import type { PbxTenantState } from '../model/pbx-state.js';
import type { RowOps } from '../model/row-ops.js';
import type { RowProgress } from './chunks.js';

export interface PbxProvider {
  /**
   * Create Kamailio's tables and their `version` rows where they do not exist yet.
   * Idempotent: tables already there at the expected versions are left alone (no output).
   * Refuses with `PbxSchemaError` when a table exists at another version, exists without a
   * `version` row, or has a `version` row but no table.
   */
  init(): Promise<void>;

  /**
   * Check the `version` table against `EXPECTED_TABLE_VERSIONS`. Throws `PbxSchemaError`
   * naming the table, the version found and the version expected.
   */
  checkSchema(): Promise<void>;

  /**
   * Read every row of one tenant domain, in one consistent snapshot: `subscriber` and
   * `usr_preferences` rows with that `domain`, `dbaliases` rows with that `alias_domain`, the
   * `domain` row with the `domain_attrs` of its did, and the other domains whose did is `did`
   * (the tenant's name). The result carries the rows' fingerprint (`./fingerprint.js`),
   * computed in the same snapshot. Never writes (a read-only database file must do for `plan`).
   */
  read(domain: string, did: string): Promise<PbxTenantState>;

  /**
   * The fingerprint `read` would return, computed by the database without reading the rows
   * out: the no-change check compares it with the last run's.
   */
  fingerprint(domain: string, did: string): Promise<string>;

  /**
   * Execute RowOps in ONE transaction: all or nothing. When `expectedFingerprint` is given
   * and the domain's rows (read inside the transaction, under the write lock) no longer hash
   * to it, throw `PbxChangedError` and write nothing. Order: deletes, then renames, then inserts.
   * Must stay linear in the number of rows (one bulk statement per kind of op and chunk of rows, `chunks.ts`): tenants of
   * 20,000 users exist. `onRows` is told after each chunk (`rowCounter`), for a progress line.
   */
  apply(ops: RowOps, expectedFingerprint?: string, onRows?: RowProgress): Promise<void>;

  /**
   * Take the per-tenant lock named `domain` (callers pass the tenant's name, its did: a tenant
   * may move to another domain), so that two applies of the same tenant never
   * interleave (read → plan → confirm → apply all happen under it). Waits up to
   * `options.timeoutMs`, calling `options.onWait` once with the holder when it has to wait,
   * then throws `PbxLockTimeoutError` naming the holder. Other domains are not blocked.
   * The lock must vanish with the process (a crash never leaves a tenant locked for good).
   */
  lock(domain: string, options: LockOptions): Promise<PbxLock>;

  /** Release the connection. Safe to call twice. Locks are released through their `PbxLock`. */
  close(): Promise<void>;
}

/** Who holds a tenant lock, as shown to the one who waits for it. */
export interface LockHolder {
  /** `user@host pid N`, or whatever the holder announced. */
  readonly who: string;
  /** When the holder took the lock (ISO 8601), when known. */
  readonly since: string | null;
}

export interface LockOptions {
  readonly timeoutMs: number;
  /** Called once, when the lock is taken by someone else and we start waiting. */
  readonly onWait?: (holder: LockHolder | null) => void;
  /** What the tenant is called in messages (the tenant name; defaults to the domain). */
  readonly tenant?: string;
}

/** A held tenant lock. `release` is idempotent. */
export interface PbxLock {
  release(): Promise<void>;
}
