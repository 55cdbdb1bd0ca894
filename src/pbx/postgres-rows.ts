/**
 * The reads and bulk writes of one tenant on PostgreSQL. Every list travels as array
 * parameters and is expanded server-side with `unnest`/`ANY`: one statement per kind of op,
 * whatever the tenant's size (a 20,000-user tenant is ~400k preference rows).
 */
import type pg from 'pg';
import type { PbxAliasRow, PbxDomainState, PbxPreferenceRow, PbxSubscriberRow } from '../model/pbx-state.js';
import type { RowOps } from '../model/row-ops.js';
import { combineFingerprint, sectionLines, type PbxRows, type Section, type SectionDigests } from './fingerprint.js';
import { KAMAILIO_TABLES, type SchemaFacts } from './kamailio-schema.js';
import { chunks } from './chunks.js';
import { Interner } from './intern.js';

type Queryable = Pick<pg.ClientBase, 'query'>;

export async function readFacts(db: Queryable): Promise<SchemaFacts> {
  const found = await db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables
     WHERE table_schema = current_schema() AND table_name = ANY($1::text[])`,
    [KAMAILIO_TABLES],
  );
  const tables = new Set(found.rows.map((r) => r.table_name));
  const versions = new Map<string, number | string>();
  if (tables.has('version')) {
    const rows = await db.query<{ table_name: string; table_version: number }>('SELECT table_name, table_version FROM version');
    for (const row of rows.rows) versions.set(row.table_name, row.table_version);
  }
  return { tables, versions };
}

/** As on SQLite: an alias into another domain reads as `user@domain`, so the core sees it as foreign. */
const ALIAS_TARGET = `CASE WHEN domain = alias_domain THEN username ELSE username || '@' || domain END`;

/** Byte order, like SQLite's default, so both providers list rows alike. */
const C = 'COLLATE "C"';

export async function readRows(db: Queryable, domain: string, did: string): Promise<PbxRows> {
  // Rows as arrays, their strings shared (`intern.ts`), as on SQLite.
  const intern = new Interner();
  const rows = async (text: string): Promise<unknown[][]> => (await db.query<unknown[]>({ text, values: [domain], rowMode: 'array' })).rows;
  const subscribers = await rows(`SELECT username, password, ha1, ha1b FROM subscriber WHERE domain = $1 ORDER BY username ${C}`);
  const aliases = await rows(
    `SELECT alias_username, ${ALIAS_TARGET} FROM dbaliases WHERE alias_domain = $1 ORDER BY alias_username ${C}, (${ALIAS_TARGET}) ${C}`,
  );
  const preferences = await rows(
    `SELECT uuid, username, attribute, type, value FROM usr_preferences
     WHERE domain = $1 ORDER BY uuid ${C}, username ${C}, attribute ${C}, value ${C}`,
  );
  return {
    domain: await readDomain(db, domain, did),
    subscribers: subscribers.map((r): PbxSubscriberRow => ({
      username: intern.get(String(r[0])),
      ha1: String(r[2]),
      ha1b: String(r[3]),
      hasPlaintext: r[1] !== '',
    })),
    aliases: aliases.map((r): PbxAliasRow => ({ aliasUsername: String(r[0]), username: intern.get(String(r[1])) })),
    preferences: preferences.map((r): PbxPreferenceRow => ({
      uuid: intern.get(String(r[0])),
      username: intern.get(String(r[1])),
      attribute: intern.get(String(r[2])),
      type: r[3] as number,
      value: intern.get(String(r[4])),
    })),
  };
}

const SECTIONS = sectionLines((text) => `upper(encode(convert_to(${text}, 'UTF8'), 'hex'))`, ALIAS_TARGET);

/**
 * `fingerprint.ts`: each table's rows of the domain, hashed server-side in the section's order,
 * as bytes (the rows never travel). `domain` when the caller read it already.
 */
export async function fingerprintOf(db: Queryable, domain: string, did: string, facts?: PbxDomainState): Promise<string> {
  const digest = async (section: Section): Promise<string> => {
    const result = await db.query<{ digest: string }>(
      `SELECT encode(sha256(convert_to(coalesce(string_agg(line || E'\\n', '' ORDER BY ${section.order.map((c, i) => `o${i} ${C}`).join(', ')}), ''), 'UTF8')), 'hex') AS digest
       FROM (SELECT ${section.line} AS line, ${section.order.map((c, i) => `${c} AS o${i}`).join(', ')} FROM ${section.table} WHERE ${section.where} = $1) AS rows`,
      [domain],
    );
    return result.rows[0]!.digest;
  };
  const sections: SectionDigests = {
    subscribers: await digest(SECTIONS.subscribers),
    aliases: await digest(SECTIONS.aliases),
    preferences: await digest(SECTIONS.preferences),
  };
  return combineFingerprint(facts ?? (await readDomain(db, domain, did)), sections);
}

async function readDomain(db: Queryable, domain: string, did: string): Promise<PbxRows['domain']> {
  const others = await db.query<{ domain: string }>(`SELECT domain FROM domain WHERE did = $1 AND domain <> $2 ORDER BY domain ${C}`, [did, domain]);
  const otherDomainsOfDid = others.rows.map((r) => r.domain);
  const row = (await db.query<{ did: string | null }>('SELECT did FROM domain WHERE domain = $1', [domain])).rows[0];
  if (!row) return { did: null, exists: false, attrs: {}, otherDomainsOfDid };
  if (row.did === null) return { did: null, exists: true, attrs: {}, otherDomainsOfDid };
  const attrs = await db.query<{ name: string; value: string }>(`SELECT name, value FROM domain_attrs WHERE did = $1 ORDER BY name ${C}, value ${C}`, [
    row.did,
  ]);
  return { did: row.did, exists: true, attrs: Object.fromEntries(attrs.rows.map((a) => [a.name, String(a.value)])), otherDomainsOfDid };
}

/** $1 is always the domain (typed, as it is both compared and inserted); $2… are parallel arrays, one per column. */
const SQL = {
  deleteSubscribers: `DELETE FROM subscriber WHERE domain = $1::text AND username = ANY($2::text[])`,
  deleteAliases: `DELETE FROM dbaliases AS d USING unnest($2::text[], $3::text[]) AS x(alias_username, target)
    WHERE d.alias_domain = $1::text AND d.alias_username = x.alias_username
      AND (CASE WHEN d.domain = d.alias_domain THEN d.username ELSE d.username || '@' || d.domain END) = x.target`,
  deletePreferencesOf: `DELETE FROM usr_preferences WHERE domain = $1::text AND uuid = ANY($2::text[])`,
  deletePreferences: `DELETE FROM usr_preferences AS p USING unnest($2::text[], $3::text[], $4::text[]) AS x(uuid, attribute, value)
    WHERE p.domain = $1::text AND p.uuid = x.uuid AND p.attribute = x.attribute AND (x.value IS NULL OR p.value = x.value)`,
  renamePreferences: `UPDATE usr_preferences AS p SET username = x.to_name
    FROM unnest($2::text[], $3::text[], $4::text[]) AS x(uuid, from_name, to_name)
    WHERE p.domain = $1::text AND p.uuid = x.uuid AND p.username = x.from_name`,
  renameAliases: `UPDATE dbaliases AS d SET username = x.to_name
    FROM unnest($2::text[], $3::text[]) AS x(from_name, to_name)
    WHERE d.alias_domain = $1::text AND d.domain = $1::text AND d.username = x.from_name`,
  insertDomain: `INSERT INTO domain (domain, did, last_modified)
    SELECT $1::text, $2::text, $3::timestamp WHERE NOT EXISTS (SELECT 1 FROM domain WHERE domain = $1::text)`,
  // Kamailio's domain module: domain_attrs type 2 = string.
  insertDomainAttrs: `INSERT INTO domain_attrs (did, name, type, value, last_modified)
    SELECT $1::text, x.name, 2, x.value, $4::timestamp FROM unnest($2::text[], $3::text[]) AS x(name, value)`,
  insertSubscribers: `INSERT INTO subscriber (username, domain, password, ha1, ha1b)
    SELECT x.username, $1::text, x.password, x.ha1, x.ha1b
    FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS x(username, password, ha1, ha1b)`,
  insertAliases: `INSERT INTO dbaliases (alias_username, alias_domain, username, domain)
    SELECT x.alias_username, $1::text, x.username, $1::text FROM unnest($2::text[], $3::text[]) AS x(alias_username, username)`,
  insertPreferences: `INSERT INTO usr_preferences (uuid, username, domain, attribute, type, value, last_modified)
    SELECT x.uuid, x.username, $1::text, x.attribute, x.type, x.value, $7::timestamp
    FROM unnest($2::text[], $3::text[], $4::text[], $5::int[], $6::text[]) AS x(uuid, username, attribute, type, value)`,
} as const;

/**
 * A tenant's move to another domain: its rows follow, in this order. Only the aliases of the
 * moved domain are retargeted (another domain's alias into it is another tenant's row).
 */
const MOVE = [
  'UPDATE subscriber SET domain = $1::text WHERE domain = $2::text',
  'UPDATE dbaliases SET alias_domain = $1::text WHERE alias_domain = $2::text',
  'UPDATE dbaliases SET domain = $1::text WHERE alias_domain = $1::text AND domain = $2::text',
  'UPDATE usr_preferences SET domain = $1::text WHERE domain = $2::text',
  'UPDATE domain SET domain = $1::text, last_modified = $3::timestamp WHERE domain = $2::text',
] as const;

/** A domain move first, then deletes, renames and inserts; a statement runs only when its list is non-empty. */
export async function writeOps(db: Queryable, ops: RowOps, stamp: string, written: (rows: number) => void = () => undefined): Promise<void> {
  const { domain } = ops;
  if (ops.moveDomain) {
    for (const sql of MOVE) await db.query(sql, sql.includes('$3') ? [domain, ops.moveDomain.from, stamp] : [domain, ops.moveDomain.from]);
  }
  const run = async <T>(sql: string, list: readonly T[], columns: ((row: T) => unknown)[], extra: unknown[] = []): Promise<void> => {
    for (const chunk of chunks(list)) {
      await db.query(sql, [domain, ...columns.map((col) => chunk.map(col)), ...extra]);
      written(chunk.length);
    }
  };
  await run(SQL.deleteSubscribers, ops.deleteSubscribers, [(u) => u]);
  await run(SQL.deleteAliases, ops.deleteAliases, [(a) => a.aliasUsername, (a) => a.username]);
  await run(SQL.deletePreferencesOf, ops.deletePreferencesOf, [(u) => u]);
  await run(SQL.deletePreferences, ops.deletePreferences, [(p) => p.uuid, (p) => p.attribute, (p) => p.value]);
  await run(SQL.renamePreferences, ops.renameAccounts, [(r) => r.uuid, (r) => r.from, (r) => r.to]);
  await run(SQL.renameAliases, ops.renameAccounts, [(r) => r.from, (r) => r.to]);
  if (ops.createDomain) {
    const { did, attrs } = ops.createDomain;
    const created = (await db.query(SQL.insertDomain, [domain, did, stamp])).rowCount === 1;
    const entries = Object.entries(attrs);
    if (created && entries.length > 0) {
      await db.query(SQL.insertDomainAttrs, [did, entries.map((e) => e[0]), entries.map((e) => e[1]), stamp]);
    }
  }
  await run(SQL.insertSubscribers, ops.insertSubscribers, [(s) => s.username, (s) => s.password, (s) => s.ha1, (s) => s.ha1b]);
  await run(SQL.insertAliases, ops.insertAliases, [(a) => a.aliasUsername, (a) => a.username]);
  await run(SQL.insertPreferences, ops.insertPreferences, [(p) => p.uuid, (p) => p.username, (p) => p.attribute, (p) => p.type, (p) => p.value], [stamp]);
}
