/**
 * The fingerprint of a tenant's PBX rows. A saved plan carries it; apply refuses when the rows
 * no longer hash to it. Pure and provider-independent so that a plan made against one
 * provider's read can be checked by the same provider's apply, whatever the database.
 */
import { createHash } from 'node:crypto';
import type { PbxTenantState } from '../model/pbx-state.js';

export type PbxRows = Omit<PbxTenantState, 'fingerprint'>;

/** Bump when the serialisation changes, so old plans fail the check instead of passing it. */
const FORMAT = 'pbxsync-rows-v2';

/** JSON of each row as an array, then sorted: row order and database ids do not matter. */
function sortedRows<T>(rows: readonly T[], fields: (row: T) => readonly unknown[]): string[] {
  return rows.map((row) => JSON.stringify(fields(row))).sort();
}

/**
 * sha256 (hex) over a canonical serialisation of every row; any value change alters it.
 * Hashed line by line rather than as one big string: a 20,000-user tenant has ~400k rows.
 * Lines cannot be confused: section names are bare words, rows are JSON arrays, and
 * JSON.stringify never emits a raw newline.
 */
export function fingerprintRows(state: PbxRows): string {
  const hash = createHash('sha256');
  const section = (name: string, lines: readonly string[]): void => {
    hash.update(`${name}\n`);
    for (const line of lines) hash.update(`${line}\n`);
  };
  const { domain } = state;
  section(FORMAT, []);
  section('domain', [JSON.stringify([domain.exists, domain.did, domain.otherDomainsOfDid]), ...sortedRows(Object.entries(domain.attrs), (e) => e)]);
  section('subscribers', sortedRows(state.subscribers, (s) => [s.username, s.ha1, s.ha1b, s.hasPlaintext]));
  section('aliases', sortedRows(state.aliases, (a) => [a.aliasUsername, a.username]));
  section('preferences', sortedRows(state.preferences, (p) => [p.uuid, p.username, p.attribute, p.type, p.value]));
  return hash.digest('hex');
}

/**
 * The fingerprint of a domain move: the rows of the tenant's current domain together with
 * those of the domain it moves onto (which must stay empty until the move).
 */
export function moveFingerprint(fromRows: string, toRows: string): string {
  return createHash('sha256').update(`${FORMAT}\nmove\n${fromRows}\n${toRows}\n`).digest('hex');
}
