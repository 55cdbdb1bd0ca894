/**
 * Kamailio 5.6's tables that pbxsync reads and writes, as Kamailio's own SQLite scripts
 * (utils/kamctl/db_sqlite/*-create.sql) create them, and the version checks shared by every
 * provider. The DDL is copied verbatim on purpose: Kamailio (and `kamdbctl`) must find
 * exactly its own tables, so pbxsync never adds a table, a column or an index.
 */
import { PbxSchemaError } from './errors.js';

/** The `version` rows pbxsync was written for (Kamailio 5.6). */
export const EXPECTED_TABLE_VERSIONS = {
  version: 1,
  subscriber: 7,
  dbaliases: 1,
  usr_preferences: 2,
  domain: 2,
  domain_attrs: 1,
} as const;

export type KamailioTable = keyof typeof EXPECTED_TABLE_VERSIONS;

/** Creation order: `version` first, since every other script inserts its row there. */
export const KAMAILIO_TABLES: readonly KamailioTable[] = ['version', 'subscriber', 'dbaliases', 'usr_preferences', 'domain', 'domain_attrs'];

/** Per table, the statements of Kamailio 5.6's SQLite script, including its `version` row. */
export const SQLITE_DDL: Readonly<Record<KamailioTable, readonly string[]>> = {
  version: [
    `CREATE TABLE version (
    id INTEGER PRIMARY KEY NOT NULL,
    table_name VARCHAR(32) NOT NULL,
    table_version INTEGER DEFAULT 0 NOT NULL,
    CONSTRAINT version_table_name_idx UNIQUE (table_name)
)`,
    `INSERT INTO version (table_name, table_version) values ('version','1')`,
  ],
  subscriber: [
    `CREATE TABLE subscriber (
    id INTEGER PRIMARY KEY NOT NULL,
    username VARCHAR(64) DEFAULT '' NOT NULL,
    domain VARCHAR(64) DEFAULT '' NOT NULL,
    password VARCHAR(64) DEFAULT '' NOT NULL,
    ha1 VARCHAR(128) DEFAULT '' NOT NULL,
    ha1b VARCHAR(128) DEFAULT '' NOT NULL,
    CONSTRAINT subscriber_account_idx UNIQUE (username, domain)
)`,
    `CREATE INDEX subscriber_username_idx ON subscriber (username)`,
    `INSERT INTO version (table_name, table_version) values ('subscriber','7')`,
  ],
  dbaliases: [
    `CREATE TABLE dbaliases (
    id INTEGER PRIMARY KEY NOT NULL,
    alias_username VARCHAR(64) DEFAULT '' NOT NULL,
    alias_domain VARCHAR(64) DEFAULT '' NOT NULL,
    username VARCHAR(64) DEFAULT '' NOT NULL,
    domain VARCHAR(64) DEFAULT '' NOT NULL
)`,
    `CREATE INDEX dbaliases_alias_user_idx ON dbaliases (alias_username)`,
    `CREATE INDEX dbaliases_alias_idx ON dbaliases (alias_username, alias_domain)`,
    `CREATE INDEX dbaliases_target_idx ON dbaliases (username, domain)`,
    `INSERT INTO version (table_name, table_version) values ('dbaliases','1')`,
  ],
  usr_preferences: [
    `CREATE TABLE usr_preferences (
    id INTEGER PRIMARY KEY NOT NULL,
    uuid VARCHAR(64) DEFAULT '' NOT NULL,
    username VARCHAR(128) DEFAULT 0 NOT NULL,
    domain VARCHAR(64) DEFAULT '' NOT NULL,
    attribute VARCHAR(32) DEFAULT '' NOT NULL,
    type INTEGER DEFAULT 0 NOT NULL,
    value VARCHAR(128) DEFAULT '' NOT NULL,
    last_modified TIMESTAMP WITHOUT TIME ZONE DEFAULT '2000-01-01 00:00:01' NOT NULL
)`,
    `CREATE INDEX usr_preferences_ua_idx ON usr_preferences (uuid, attribute)`,
    `CREATE INDEX usr_preferences_uda_idx ON usr_preferences (username, domain, attribute)`,
    `INSERT INTO version (table_name, table_version) values ('usr_preferences','2')`,
  ],
  domain: [
    `CREATE TABLE domain (
    id INTEGER PRIMARY KEY NOT NULL,
    domain VARCHAR(64) NOT NULL,
    did VARCHAR(64) DEFAULT NULL,
    last_modified TIMESTAMP WITHOUT TIME ZONE DEFAULT '2000-01-01 00:00:01' NOT NULL,
    CONSTRAINT domain_domain_idx UNIQUE (domain)
)`,
    `INSERT INTO version (table_name, table_version) values ('domain','2')`,
  ],
  domain_attrs: [
    `CREATE TABLE domain_attrs (
    id INTEGER PRIMARY KEY NOT NULL,
    did VARCHAR(64) NOT NULL,
    name VARCHAR(32) NOT NULL,
    type INTEGER NOT NULL,
    value VARCHAR(255) NOT NULL,
    last_modified TIMESTAMP WITHOUT TIME ZONE DEFAULT '2000-01-01 00:00:01' NOT NULL
)`,
    `CREATE INDEX domain_attrs_domain_attrs_idx ON domain_attrs (did, name)`,
    `INSERT INTO version (table_name, table_version) values ('domain_attrs','1')`,
  ],
};

/** What a provider found in the database: which tables exist and the `version` rows. */
export interface SchemaFacts {
  readonly tables: ReadonlySet<string>;
  /** `version.table_name` → `version.table_version`; empty when there is no `version` table. */
  readonly versions: ReadonlyMap<string, number | string>;
}

/** Hints depend on the provider (the init command names its URL). */
export interface SchemaHints {
  /** Shown when tables are missing, e.g. "run `pbxsync pbx init sqlite:pbx.sqlite` first". */
  readonly init: string;
}

const SCHEMA_NAME = 'Kamailio 5.6 schema';
const MISMATCH_HINT =
  'pbxsync writes the tables of Kamailio 5.6; point pbx.url at a Kamailio 5.6 database ' +
  '(or migrate this one with kamdbctl) instead of changing the version table';

function mismatch(table: KamailioTable, found: number | string): PbxSchemaError {
  const expected = EXPECTED_TABLE_VERSIONS[table];
  const message = `table ${table} has version ${found}, pbxsync needs ${expected} (${SCHEMA_NAME})`;
  return new PbxSchemaError(table, found, expected, message, MISMATCH_HINT);
}

/** Why one table cannot be used as is, or null when it exists at the expected version. */
function tableProblem(table: KamailioTable, facts: SchemaFacts, hints: SchemaHints): PbxSchemaError | null {
  const expected = EXPECTED_TABLE_VERSIONS[table];
  const found = facts.versions.get(table);
  const need = `pbxsync needs version ${expected} (${SCHEMA_NAME})`;
  if (!facts.tables.has(table) && found !== undefined) {
    const message = `table ${table} is missing although the version table lists it at version ${found}`;
    const hint = `restore the ${table} table from a backup, or delete its version row and run init again`;
    return new PbxSchemaError(table, found, expected, message, hint);
  }
  if (!facts.tables.has(table)) {
    return new PbxSchemaError(table, null, expected, `table ${table} is missing, ${need}`, hints.init);
  }
  if (found === undefined) {
    const message = `table ${table} has no row in the version table, ${need}`;
    return new PbxSchemaError(table, null, expected, message, MISMATCH_HINT);
  }
  return Number(found) === expected ? null : mismatch(table, found);
}

/** Throws the first problem that keeps pbxsync from reading or writing the tables. */
export function assertSchema(facts: SchemaFacts, hints: SchemaHints): void {
  for (const table of KAMAILIO_TABLES) {
    const problem = tableProblem(table, facts, hints);
    if (problem) throw problem;
  }
}

/**
 * The tables `init` must create: those with neither a table nor a `version` row. A table
 * that is half there (table without row, row without table) or at another version is
 * refused rather than repaired, since someone else's Kamailio may depend on it.
 */
export function tablesToCreate(facts: SchemaFacts, hints: SchemaHints): KamailioTable[] {
  const create: KamailioTable[] = [];
  for (const table of KAMAILIO_TABLES) {
    const absent = !facts.tables.has(table) && !facts.versions.has(table);
    if (absent) {
      create.push(table);
      continue;
    }
    const problem = tableProblem(table, facts, hints);
    if (problem) throw problem;
  }
  return create;
}
