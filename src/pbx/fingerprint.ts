/**
 * The fingerprint of a tenant's PBX rows. A saved plan carries it, apply compares it inside
 * its transaction, and the no-change check (`app/unchanged-check.ts`) compares it with the one
 * of the last run that found nothing to do.
 *
 * It is computed by the database rather than from rows built in memory: each big table
 * (subscriber, dbaliases, usr_preferences) is hashed as the sorted list of its rows, one line
 * per row (`sectionLines`), by the provider — PostgreSQL server-side with `sha256`,
 * SQLite through an aggregate function fed by the sorted query — and the section digests are
 * combined here with the domain's facts. A 20,000-user tenant has ~330k rows: hashing them
 * where they are costs a fraction of reading them as objects, and sees every row `read` sees.
 * Row order and database ids do not matter; any value does; the same rows give the same
 * fingerprint in SQLite and PostgreSQL.
 */
import { createHash } from 'node:crypto';
import type { PbxDomainState, PbxTenantState } from '../model/pbx-state.js';

export type PbxRows = Omit<PbxTenantState, 'fingerprint'>;

/** Bump when the serialisation changes, so old plans fail the check instead of passing it. */
const FORMAT = 'pbxsync-rows-v3';

/** The hex sha256 of each big table's sorted rows (see the providers). */
export interface SectionDigests {
  readonly subscribers: string;
  readonly aliases: string;
  readonly preferences: string;
}

/**
 * Per table: one row as a line of its columns, each hex-encoded (UTF-8, upper case) and joined
 * by commas, in the order `read` shows them. `hex` is the provider's SQL for that encoding of
 * one text value (SQLite `hex(x)`, PostgreSQL `upper(encode(convert_to(x, 'UTF8'), 'hex'))`):
 * the lines, and so the fingerprints, are the same in both databases, and no value can run
 * into the next. `aliasTarget` is the provider's alias-target expression.
 */
export function sectionLines(hex: (text: string) => string, aliasTarget: string): Record<keyof SectionDigests, Section> {
  const line = (...columns: string[]) => columns.map(hex).join(` || ',' || `);
  const plaintext = `CASE WHEN password <> '' THEN '1' ELSE '0' END`;
  const target = `(${aliasTarget})`;
  return {
    subscribers: { table: 'subscriber', where: 'domain', line: line('username', 'ha1', 'ha1b', plaintext), order: ['username', 'ha1', 'ha1b', plaintext] },
    aliases: { table: 'dbaliases', where: 'alias_domain', line: line('alias_username', target), order: ['alias_username', target] },
    preferences: {
      table: 'usr_preferences',
      where: 'domain',
      line: line('uuid', 'username', 'attribute', 'CAST(type AS TEXT)', 'value'),
      // The index's columns first (Kamailio's ua_idx): cheaper to sort than the lines.
      order: ['uuid', 'attribute', 'username', 'value', 'CAST(type AS TEXT)'],
    },
  };
}

/**
 * One table's share of the fingerprint: its rows of the domain (`where` = the domain), as
 * `line`s, hashed in `order` — every column, compared as bytes, so that distinct rows have one
 * order in both databases and equal rows give equal lines.
 */
export interface Section {
  readonly table: string;
  readonly where: string;
  readonly line: string;
  readonly order: readonly string[];
}

/** The fingerprint of a domain's facts and its tables' section digests. */
export function combineFingerprint(domain: PbxDomainState, sections: SectionDigests): string {
  const attrs = Object.entries(domain.attrs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256')
    .update(`${FORMAT}\n`)
    .update(`${JSON.stringify([domain.exists, domain.did, domain.otherDomainsOfDid, attrs])}\n`)
    .update(`${sections.subscribers}\n${sections.aliases}\n${sections.preferences}\n`)
    .digest('hex');
}

/** sha256 over lines, each followed by a newline: what the SQLite aggregate computes. */
export class LineHash {
  private readonly hash = createHash('sha256');

  add(line: string): this {
    this.hash.update(line);
    this.hash.update('\n');
    return this;
  }

  hex(): string {
    return this.hash.digest('hex');
  }
}

/**
 * The fingerprint of a domain move: the rows of the tenant's current domain together with
 * those of the domain it moves onto (which must stay empty until the move).
 */
export function moveFingerprint(fromRows: string, toRows: string): string {
  return createHash('sha256').update(`${FORMAT}\nmove\n${fromRows}\n${toRows}\n`).digest('hex');
}
