/**
 * `PbxProvider` over an SQLite file holding Kamailio 5.6's tables (better-sqlite3, which is
 * synchronous: the async methods only honour the interface). Who may read the file, and its
 * `-wal` and `-shm`, is `fs/sqlite-files.ts`'s business: 0600 unless a group is asked for.
 */
import { existsSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { PbxAliasRow, PbxPreferenceRow, PbxSubscriberRow, PbxTenantState } from '../model/pbx-state.js';
import type { RowOps } from '../model/row-ops.js';
import { UserError } from '../errors.js';
import { SqliteFiles, type SqliteFileFacts, type SqliteFileOptions } from '../fs/sqlite-files.js';
import { PbxBusyError, PbxChangedError, PbxMissingError } from './errors.js';
import { LineHash, combineFingerprint, moveFingerprint, sectionLines, type PbxRows, type SectionDigests } from './fingerprint.js';
import { KAMAILIO_TABLES, SQLITE_DDL, assertSchema, tablesToCreate, type SchemaFacts, type SchemaHints } from './kamailio-schema.js';
import { lockFile, lockFilePath } from './file-lock.js';
import type { LockOptions, PbxLock, PbxProvider } from './provider.js';
import { holdTransactionSync } from './test-hold.js';
import { chunks, rowCounter, type RowProgress } from './chunks.js';
import { Interner } from './intern.js';

type Db = Database.Database;

export interface SqliteProviderOptions extends SqliteFileOptions {
  /** Clock for `last_modified`; injectable so tests can pin it. */
  readonly now?: () => Date;
  /** How long to wait for another writer's lock before giving up (default 5000 ms). */
  readonly busyTimeoutMs?: number;
}

/** Kamailio's `last_modified` format: UTC 'YYYY-MM-DD HH:MM:SS'. */
export function kamailioTimestamp(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

function sqliteCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

export class SqlitePbxProvider implements PbxProvider {
  private db: Db | null = null;
  private writable = false;
  private readonly now: () => Date;
  private readonly busyTimeoutMs: number;
  private readonly hints: SchemaHints;
  private readonly files: SqliteFiles;
  /** Lock files this provider took: checked for loose modes with the database. */
  private readonly lockPaths = new Set<string>();

  constructor(
    readonly path: string,
    options: SqliteProviderOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    this.hints = { init: `run \`pbxsync pbx init sqlite:${path}\` first` };
    this.files = new SqliteFiles(path, options);
  }

  /** The database file's mode, owner and group as they are, for `pbx init`'s notice. */
  fileFacts(): SqliteFileFacts {
    return this.files.facts();
  }

  async init(): Promise<void> {
    this.guard(() => {
      const db = this.connect('create');
      this.files.warnLoose();
      const create = db.transaction(() => {
        for (const table of tablesToCreate(readFacts(db), this.hints)) {
          for (const sql of SQLITE_DDL[table]) db.exec(sql);
        }
      });
      create.immediate();
    });
  }

  async checkSchema(): Promise<void> {
    this.guard(() => assertSchema(readFacts(this.connect('read')), this.hints));
  }

  async read(domain: string, did: string): Promise<PbxTenantState> {
    return this.guard(() => {
      const db = this.connect('read');
      this.files.warnLoose([...this.lockPaths]);
      // One read transaction: a concurrent apply must not show up half-way through.
      const snapshot = db.transaction(() => {
        assertSchema(readFacts(db), this.hints);
        const rows = readRows(db, domain, did);
        return { ...rows, fingerprint: combineFingerprint(rows.domain, sectionDigests(db, domain)) };
      });
      return snapshot.deferred();
    });
  }

  async fingerprint(domain: string, did: string): Promise<string> {
    return this.guard(() => {
      const db = this.connect('read');
      const snapshot = db.transaction(() => {
        assertSchema(readFacts(db), this.hints);
        return fingerprintOf(db, domain, did);
      });
      return snapshot.deferred();
    });
  }

  async apply(ops: RowOps, expectedFingerprint?: string, onRows?: RowProgress): Promise<void> {
    this.guard(() => {
      const db = this.connect('write');
      this.files.warnLoose([...this.lockPaths]);
      const stamp = kamailioTimestamp(this.now());
      const write = db.transaction(() => {
        assertSchema(readFacts(db), this.hints);
        // Compared under the write lock (BEGIN IMMEDIATE), so nobody can change the rows
        // between this check and the writes below.
        if (expectedFingerprint !== undefined && currentFingerprint(db, ops) !== expectedFingerprint) {
          throw new PbxChangedError(ops.domain);
        }
        writeOps(db, ops, stamp, rowCounter(ops, onRows));
        holdTransactionSync();
      });
      // better-sqlite3 rolls back and rethrows on any error thrown inside.
      write.immediate();
    });
  }

  /** A lock file next to the database: Kamailio's schema leaves no room for a lock table. */
  async lock(domain: string, options: LockOptions): Promise<PbxLock> {
    const lock = await lockFile(this.path, domain, options);
    this.lockPaths.add(lockFilePath(this.path, domain));
    return lock;
  }

  async close(): Promise<void> {
    this.db?.close();
    this.db = null;
    this.writable = false;
  }

  /**
   * Reads never write: they leave the journal mode alone, so `plan` works on a file it may
   * not write (they only give SQLite's `-wal`/`-shm` the database's group). Writers switch the
   * file to WAL (persistent), so that Kamailio keeps reading while an apply writes.
   */
  private connect(mode: 'create' | 'write' | 'read'): Db {
    if (this.db && (mode === 'read' || this.writable)) return this.db;
    this.db?.close();
    this.db = null;
    const create = mode === 'create';
    if (!create && !existsSync(this.path)) throw new PbxMissingError(this.path);
    const identity = create ? this.createFile() : null;
    const db = new Database(this.path, { fileMustExist: !create, timeout: this.busyTimeoutMs });
    try {
      if (create) this.files.assertOpened(identity);
      if (mode !== 'read') db.pragma('journal_mode = WAL');
      // In WAL mode a first read makes SQLite create `-wal` and `-shm` (readers create them
      // too), so that they get the database's group now, before any row is written into them
      // and before Kamailio, in that group, needs to open them.
      db.prepare('SELECT count(*) FROM sqlite_master').get();
      db.aggregate(LINE_HASH, {
        start: () => new LineHash(),
        step: (hash: LineHash, line: unknown) => hash.add(String(line)),
        result: (hash: LineHash) => hash.hex(),
      } as Database.AggregateOptions);
      this.files.matchCompanions();
    } catch (err) {
      db.close();
      throw err;
    }
    this.db = db;
    this.writable = mode !== 'read';
    return db;
  }

  /** The empty database file, made by us with the wanted mode and group, never through a symlink. */
  private createFile(): Stats | null {
    if (!existsSync(dirname(this.path))) {
      throw new UserError(
        `cannot create the PBX database ${this.path}: folder ${dirname(this.path)} does not exist`,
        'create the folder first, or fix the path in the sqlite: URL',
      );
    }
    return this.files.create();
  }

  /** Turns what a user can fix into a `UserError`; everything else keeps its stack. */
  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      const code = sqliteCode(err);
      if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) throw new PbxBusyError(this.path);
      if (code.startsWith('SQLITE_READONLY')) {
        throw new UserError(
          `the PBX database ${this.path} is read-only for this user; nothing was written`,
          'plan works on a read-only file; apply needs write access to the file and its folder',
        );
      }
      if (code === 'SQLITE_FULL') throw new UserError(`the disk holding ${this.path} is full; nothing was written`, 'free some space, then retry');
      // SQLite opens `-wal`, `-shm` and journals with O_NOFOLLOW: a symlink planted there ends here.
      if (code.startsWith('SQLITE_CANTOPEN')) {
        throw new UserError(
          `cannot open the PBX database ${this.path} or its -wal/-shm file (${code}); nothing was written`,
          'they must be regular files (not symlinks) that this user may open, in a folder it may write',
        );
      }
      if (code === 'SQLITE_NOTADB') {
        throw new UserError(`${this.path} is not an SQLite database`, 'check the path in the sqlite: PBX URL');
      }
      throw err;
    }
  }
}

function readFacts(db: Db): SchemaFacts {
  const names = db
    .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name IN (SELECT value FROM json_each(?))`)
    .pluck()
    .all(JSON.stringify(KAMAILIO_TABLES)) as string[];
  const tables = new Set(names);
  const versions = new Map<string, number | string>();
  if (tables.has('version')) {
    const rows = db.prepare('SELECT table_name, table_version FROM version').all() as {
      table_name: string;
      table_version: number | string;
    }[];
    for (const row of rows) versions.set(row.table_name, row.table_version);
  }
  return { tables, versions };
}

/**
 * An alias of this domain pointing into another domain is shown as `user@domain`: the core
 * then treats it as foreign (pbxsync usernames never hold '@') and keeps its number taken.
 */
const ALIAS_TARGET = `CASE WHEN domain = alias_domain THEN username ELSE username || '@' || domain END`;

/** What a plan's fingerprint covers: the tenant's domain, or for a move both domains. */
function currentFingerprint(db: Db, ops: RowOps): string {
  const rows = fingerprintOf(db, ops.moveDomain?.from ?? ops.domain, ops.did);
  return ops.moveDomain ? moveFingerprint(rows, fingerprintOf(db, ops.domain, ops.did)) : rows;
}

/** The aggregate function (registered on every connection) that hashes a table's sorted row lines. */
const LINE_HASH = 'pbxsync_line_sha256';
const SECTIONS = sectionLines((text) => `hex(${text})`, ALIAS_TARGET);

/** `fingerprint.ts`: each table's rows of the domain, hashed by SQLite in the section's order (BINARY: bytes). */
function sectionDigests(db: Db, domain: string): SectionDigests {
  const digest = (section: (typeof SECTIONS)[keyof typeof SECTIONS]): string =>
    db
      .prepare(
        `SELECT ${LINE_HASH}(line) FROM (SELECT ${section.line} AS line FROM ${section.table} WHERE ${section.where} = ? ORDER BY ${section.order.join(', ')})`,
      )
      .pluck()
      .get(domain) as string;
  return { subscribers: digest(SECTIONS.subscribers), aliases: digest(SECTIONS.aliases), preferences: digest(SECTIONS.preferences) };
}

function fingerprintOf(db: Db, domain: string, did: string): string {
  return combineFingerprint(readDomain(db, domain, did), sectionDigests(db, domain));
}

function readRows(db: Db, domain: string, did: string): PbxRows {
  // Rows as arrays, one at a time, their strings shared (`intern.ts`): a large tenant's rows
  // never exist twice over while they are read.
  const intern = new Interner();
  const rows = <T>(sql: string, map: (row: unknown[]) => T): T[] => {
    const list: T[] = [];
    for (const row of db.prepare(sql).raw(true).iterate(domain) as IterableIterator<unknown[]>) list.push(map(row));
    return list;
  };
  const subscribers = rows('SELECT username, password, ha1, ha1b FROM subscriber WHERE domain = ? ORDER BY username', (r): PbxSubscriberRow => ({
    username: intern.get(String(r[0])),
    ha1: String(r[2]),
    ha1b: String(r[3]),
    hasPlaintext: r[1] !== '',
  }));
  const aliases = rows(`SELECT alias_username, ${ALIAS_TARGET} FROM dbaliases WHERE alias_domain = ? ORDER BY alias_username, 2`, (r): PbxAliasRow => ({
    aliasUsername: String(r[0]),
    username: intern.get(String(r[1])),
  }));
  const preferences = rows(
    `SELECT uuid, username, attribute, type, value FROM usr_preferences
     WHERE domain = ? ORDER BY uuid, username, attribute, value`,
    (r): PbxPreferenceRow => ({
      uuid: intern.get(String(r[0])),
      username: intern.get(String(r[1])),
      attribute: intern.get(String(r[2])),
      type: r[3] as number,
      value: intern.get(String(r[4])),
    }),
  );
  return { domain: readDomain(db, domain, did), subscribers, aliases, preferences };
}

function readDomain(db: Db, domain: string, did: string): PbxRows['domain'] {
  const otherDomainsOfDid = db.prepare('SELECT domain FROM domain WHERE did = ? AND domain <> ? ORDER BY domain').pluck().all(did, domain) as string[];
  const row = db.prepare('SELECT did FROM domain WHERE domain = ?').get(domain) as { did: string | null } | undefined;
  if (!row) return { did: null, exists: false, attrs: {}, otherDomainsOfDid };
  if (row.did === null) return { did: null, exists: true, attrs: {}, otherDomainsOfDid };
  // domain_attrs is not unique on (did, name); a stable order makes the last duplicate win.
  const attrs = db.prepare('SELECT name, value FROM domain_attrs WHERE did = ? ORDER BY name, value').all(row.did) as { name: string; value: string }[];
  return { did: row.did, exists: true, attrs: Object.fromEntries(attrs.map((a) => [a.name, String(a.value)])), otherDomainsOfDid };
}

/**
 * A tenant's move to another domain: its rows follow, in this order. Only the aliases of the
 * moved domain are retargeted (another domain's alias into it is another tenant's row).
 */
const MOVE = [
  'UPDATE subscriber SET domain = @domain WHERE domain = @from',
  'UPDATE dbaliases SET alias_domain = @domain WHERE alias_domain = @from',
  'UPDATE dbaliases SET domain = @domain WHERE alias_domain = @domain AND domain = @from',
  'UPDATE usr_preferences SET domain = @domain WHERE domain = @from',
  'UPDATE domain SET domain = @domain, last_modified = @stamp WHERE domain = @from',
] as const;

/** The statements of one apply; each takes its list, in chunks (`chunks`), as one JSON parameter, `@rows`. */
const SQL = {
  deleteSubscribers: `DELETE FROM subscriber
    WHERE domain = @domain AND username IN (SELECT value FROM json_each(@rows))`,
  // The target is matched as `read` shows it, so a cross-domain alias can be named too.
  deleteAliases: `DELETE FROM dbaliases
    WHERE alias_domain = @domain AND (alias_username, ${ALIAS_TARGET}) IN
      (SELECT j.value->>'$.aliasUsername', j.value->>'$.username' FROM json_each(@rows) AS j)`,
  deletePreferencesOf: `DELETE FROM usr_preferences
    WHERE domain = @domain AND uuid IN (SELECT value FROM json_each(@rows))`,
  deletePreferences: `DELETE FROM usr_preferences
    WHERE domain = @domain AND (uuid, attribute) IN
      (SELECT j.value->>'$.uuid', j.value->>'$.attribute' FROM json_each(@rows) AS j)`,
  deletePreferenceValues: `DELETE FROM usr_preferences
    WHERE domain = @domain AND (uuid, attribute, value) IN
      (SELECT j.value->>'$.uuid', j.value->>'$.attribute', j.value->>'$.value' FROM json_each(@rows) AS j)`,
  renamePreferences: `UPDATE usr_preferences SET username = r.value->>'$.to'
    FROM json_each(@rows) AS r
    WHERE usr_preferences.domain = @domain AND usr_preferences.uuid = r.value->>'$.uuid' AND usr_preferences.username = r.value->>'$.from'`,
  renameAliases: `UPDATE dbaliases SET username = r.value->>'$.to'
    FROM json_each(@rows) AS r
    WHERE dbaliases.alias_domain = @domain AND dbaliases.domain = @domain AND dbaliases.username = r.value->>'$.from'`,
  insertDomain: `INSERT INTO domain (domain, did, last_modified)
    SELECT @domain, @did, @stamp WHERE NOT EXISTS (SELECT 1 FROM domain WHERE domain = @domain)`,
  // Kamailio's domain module: domain_attrs type 2 = string.
  insertDomainAttrs: `INSERT INTO domain_attrs (did, name, type, value, last_modified)
    SELECT @did, j.key, 2, j.value, @stamp FROM json_each(@rows) AS j`,
  insertSubscribers: `INSERT INTO subscriber (username, domain, password, ha1, ha1b)
    SELECT j.value->>'$.username', @domain, j.value->>'$.password', j.value->>'$.ha1', j.value->>'$.ha1b'
    FROM json_each(@rows) AS j`,
  insertAliases: `INSERT INTO dbaliases (alias_username, alias_domain, username, domain)
    SELECT j.value->>'$.aliasUsername', @domain, j.value->>'$.username', @domain
    FROM json_each(@rows) AS j`,
  insertPreferences: `INSERT INTO usr_preferences (uuid, username, domain, attribute, type, value, last_modified)
    SELECT j.value->>'$.uuid', j.value->>'$.username', @domain, j.value->>'$.attribute', j.value->>'$.type',
           j.value->>'$.value', @stamp
    FROM json_each(@rows) AS j`,
} as const;

/** A domain move first, then deletes, renames and inserts; a statement runs only when its list is non-empty. */
function writeOps(db: Db, ops: RowOps, stamp: string, written: (rows: number) => void): void {
  const { domain } = ops;
  if (ops.moveDomain) for (const sql of MOVE) db.prepare(sql).run({ domain, from: ops.moveDomain.from, stamp });
  const run = (sql: string, list: readonly unknown[]): void => {
    if (list.length === 0) return;
    const statement = db.prepare(sql);
    for (const chunk of chunks(list)) {
      statement.run({ domain, stamp, rows: JSON.stringify(chunk) });
      written(chunk.length);
    }
  };
  run(SQL.deleteSubscribers, ops.deleteSubscribers);
  run(SQL.deleteAliases, ops.deleteAliases);
  run(SQL.deletePreferencesOf, ops.deletePreferencesOf);
  run(
    SQL.deletePreferences,
    ops.deletePreferences.filter((p) => p.value === null),
  );
  run(
    SQL.deletePreferenceValues,
    ops.deletePreferences.filter((p) => p.value !== null),
  );
  run(SQL.renamePreferences, ops.renameAccounts);
  run(SQL.renameAliases, ops.renameAccounts);
  if (ops.createDomain) {
    const { did, attrs } = ops.createDomain;
    const created = db.prepare(SQL.insertDomain).run({ domain, did, stamp }).changes === 1;
    if (created && Object.keys(attrs).length > 0) {
      db.prepare(SQL.insertDomainAttrs).run({ did, stamp, rows: JSON.stringify(attrs) });
    }
  }
  run(SQL.insertSubscribers, ops.insertSubscribers);
  run(SQL.insertAliases, ops.insertAliases);
  run(SQL.insertPreferences, ops.insertPreferences);
}
