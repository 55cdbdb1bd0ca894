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
   * `usr_preferences` rows with that `domain`, `dbaliases` rows with that `alias_domain`, and
   * the `domain` row with the `domain_attrs` of its did. The result carries a fingerprint
   * computed with `fingerprintRows` (`./fingerprint.js`) so that all providers agree on it.
   */
  read(domain: string): Promise<PbxTenantState>;

  /**
   * Execute RowOps in ONE transaction: all or nothing. When `expectedFingerprint` is given
   * and the domain's rows (read inside the transaction, under the write lock) no longer hash
   * to it, throw `PbxChangedError` and write nothing. Order: deletes, then inserts.
   * Must stay linear in the number of rows (one bulk statement per kind of op): tenants of
   * 20,000 users exist.
   */
  apply(ops: RowOps, expectedFingerprint?: string): Promise<void>;

  /** Release the connection. Safe to call twice. */
  close(): Promise<void>;
}
