/**
 * `PbxProvider` over a PostgreSQL database holding Kamailio 5.6's tables, as created by
 * Kamailio's own PostgreSQL scripts (`kamdbctl create`, or `pbxsync pbx init postgres://…`).
 */
import pg from 'pg';
import type { PbxTenantState } from '../model/pbx-state.js';
import type { RowOps } from '../model/row-ops.js';
import { PbxBusyError, PbxChangedError } from './errors.js';
import { fingerprintRows } from './fingerprint.js';
import { assertSchema, type SchemaHints } from './kamailio-schema.js';
import { advisoryLock } from './postgres-lock.js';
import { initFromSqlDir, DEFAULT_SQL_DIR } from './postgres-init.js';
import { pgGuard } from './postgres-errors.js';
import { readFacts, readRows, writeOps } from './postgres-rows.js';
import { parsePgUrl, type PgTarget } from './postgres-url.js';
import type { LockOptions, PbxLock, PbxProvider } from './provider.js';
import { kamailioTimestamp } from './sqlite-provider.js';
import { holdTransaction } from './test-hold.js';

export interface PostgresProviderOptions {
  /** Clock for `last_modified`; injectable so tests can pin it. */
  readonly now?: () => Date;
  /** Folder of Kamailio's PostgreSQL scripts, for `init` (default: Debian's). */
  readonly sqlDir?: string;
  /** How long the write transaction waits for other writers' table locks (default 30 s). */
  readonly busyTimeoutMs?: number;
}

/**
 * Taken by every apply for the length of its transaction. SHARE ROW EXCLUSIVE lets readers
 * (Kamailio authenticating phones) through but no other writer, so the fingerprint checked
 * at the start of the transaction still holds at commit. Applies of different tenants only
 * queue for this short write phase, not for their plan and confirmation.
 */
const TABLE_LOCK = 'LOCK TABLE subscriber, dbaliases, usr_preferences, domain, domain_attrs IN SHARE ROW EXCLUSIVE MODE';

export class PostgresPbxProvider implements PbxProvider {
  private client: pg.Client | null = null;
  private readonly target: PgTarget;
  private readonly now: () => Date;
  private readonly hints: SchemaHints;

  constructor(
    url: string,
    private readonly options: PostgresProviderOptions = {},
  ) {
    this.target = parsePgUrl(url);
    this.now = options.now ?? (() => new Date());
    this.hints = { init: 'create them with `pbxsync pbx init postgres://…` (or `kamdbctl create`) first' };
  }

  async init(): Promise<void> {
    const db = await this.connect();
    await pgGuard(this.target, () => initFromSqlDir(db, this.options.sqlDir ?? DEFAULT_SQL_DIR, this.hints));
  }

  async checkSchema(): Promise<void> {
    const db = await this.connect();
    await pgGuard(this.target, async () => assertSchema(await readFacts(db), this.hints));
  }

  async read(domain: string, did: string): Promise<PbxTenantState> {
    const db = await this.connect();
    const rows = await this.transaction(db, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', async () => {
      assertSchema(await readFacts(db), this.hints);
      return readRows(db, domain, did);
    });
    return { ...rows, fingerprint: fingerprintRows(rows) };
  }

  async apply(ops: RowOps, expectedFingerprint?: string): Promise<void> {
    const db = await this.connect();
    const stamp = kamailioTimestamp(this.now());
    await this.transaction(db, 'BEGIN', async () => {
      assertSchema(await readFacts(db), this.hints);
      await db.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.round(this.options.busyTimeoutMs ?? 30_000))}`);
      await db.query(TABLE_LOCK);
      if (expectedFingerprint !== undefined && fingerprintRows(await readRows(db, ops.domain, ops.did)) !== expectedFingerprint) {
        throw new PbxChangedError(ops.domain);
      }
      await writeOps(db, ops, stamp);
      await holdTransaction();
    });
  }

  async lock(domain: string, options: LockOptions): Promise<PbxLock> {
    return advisoryLock(this.target, domain, options);
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<pg.Client> {
    if (this.client) return this.client;
    const client = new pg.Client({ connectionString: this.target.connectionString, application_name: 'pbxsync' });
    // Without a listener, a connection lost while idle would crash the process.
    client.on('error', () => undefined);
    await pgGuard(this.target, () => client.connect());
    this.client = client;
    return client;
  }

  /** BEGIN … COMMIT, or ROLLBACK on any error; a lock wait past lock_timeout is "busy". */
  private async transaction<T>(db: pg.Client, begin: string, body: () => Promise<T>): Promise<T> {
    return pgGuard(this.target, async () => {
      await db.query(begin);
      try {
        const result = await body();
        await db.query('COMMIT');
        return result;
      } catch (err) {
        await db.query('ROLLBACK').catch(() => undefined);
        if ((err as { code?: string }).code === '55P03') throw new PbxBusyError(this.target.database);
        throw err;
      }
    });
  }
}
