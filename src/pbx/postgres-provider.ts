/**
 * `PbxProvider` over a PostgreSQL database holding Kamailio 5.6's tables, as created by
 * Kamailio's own PostgreSQL scripts (`kamdbctl create`, or `pbxsync pbx init postgres://…`).
 */
import type pg from 'pg';
import { UserError } from '../errors.js';
import type { PbxTenantState } from '../model/pbx-state.js';
import type { RowOps } from '../model/row-ops.js';
import { PbxBusyError, PbxChangedError } from './errors.js';
import { moveFingerprint } from './fingerprint.js';
import { assertSchema, type SchemaHints } from './kamailio-schema.js';
import { advisoryLock, type PgTenantLock } from './postgres-lock.js';
import { initFromSqlDir, DEFAULT_SQL_DIR } from './postgres-init.js';
import {
  CONNECT_TIMEOUT_MS,
  cannotCreateTables,
  connectPg,
  connectionLost,
  endClient,
  isConnectionLoss,
  isLost,
  newPgClient,
  pgGuard,
  untilLost,
  type LostDuring,
} from './postgres-errors.js';
import { rowCounter, type RowProgress } from './chunks.js';
import { fingerprintOf, readFacts, readRows, writeOps } from './postgres-rows.js';
import { describePg, parsePgUrl, type PgTarget } from './postgres-url.js';
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
  /** How long a connect may take before the server counts as not answering (default 30 s). */
  readonly connectTimeoutMs?: number;
  /** The URL as the tenant file wrote it (`${…}` references and all), for messages. */
  readonly label?: string;
}

/**
 * Taken by every apply for the length of its transaction. SHARE ROW EXCLUSIVE lets readers
 * (Kamailio authenticating phones) through but no other writer, so the fingerprint checked
 * at the start of the transaction still holds at commit. Applies of different tenants only
 * queue for this short write phase, not for their plan and confirmation.
 */
const TABLE_LOCK = 'LOCK TABLE subscriber, dbaliases, usr_preferences, domain, domain_attrs IN SHARE ROW EXCLUSIVE MODE';

export class PostgresPbxProvider implements PbxProvider {
  /** The connected client, once a connect has finished (and until close() or its loss). */
  private client: pg.Client | null = null;
  /** A connect in flight: shared by concurrent callers, and ended by a close() meanwhile. */
  private opening: { readonly client: pg.Client; readonly ready: Promise<pg.Client> } | null = null;
  private readonly target: PgTarget;
  private readonly now: () => Date;
  private readonly hints: SchemaHints;
  private readonly connectTimeoutMs: number;
  /** Tenant locks taken through this provider and not yet released, by domain. */
  private readonly locks = new Map<string, { readonly lock: PgTenantLock; readonly tenant: string }>();

  constructor(
    url: string,
    private readonly options: PostgresProviderOptions = {},
  ) {
    this.target = parsePgUrl(url, options.label);
    this.now = options.now ?? (() => new Date());
    this.hints = { init: 'create them with `pbxsync pbx init postgres://…` (or `kamdbctl create`) first' };
    this.connectTimeoutMs = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
  }

  async init(): Promise<void> {
    const db = await this.connect();
    const dir = this.options.sqlDir ?? DEFAULT_SQL_DIR;
    await this.guard(db, 'init', () =>
      initFromSqlDir(db, dir, this.hints).catch((err: unknown) => {
        throw this.initError(err, dir);
      }),
    );
  }

  /**
   * init runs in one transaction of CREATEs, so: "insufficient privilege" (42501) is about
   * creating tables, and another class-42 error (syntax, an unknown or duplicate object) means
   * scripts PostgreSQL cannot run, e.g. --sql-dir pointing at Kamailio's MySQL ones.
   */
  private initError(err: unknown, dir: string): unknown {
    const { code, message } = err as { code?: unknown; message?: unknown };
    if (code === '42501') return cannotCreateTables(this.target);
    if (typeof code !== 'string' || !code.startsWith('42')) return err;
    return new UserError(
      `Kamailio's PostgreSQL scripts in ${dir} failed on the PBX database ${describePg(this.target)}: ${String(message)}; nothing was created`,
      `point --sql-dir at the postgres scripts of Kamailio 5.6 (Debian: ${DEFAULT_SQL_DIR})`,
    );
  }

  async checkSchema(): Promise<void> {
    const db = await this.connect();
    await this.guard(db, 'read', async () => assertSchema(await readFacts(db), this.hints));
  }

  async read(domain: string, did: string): Promise<PbxTenantState> {
    const db = await this.connect();
    const rows = await this.transaction(db, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', 'read', async () => {
      assertSchema(await readFacts(db), this.hints);
      const read = await readRows(db, domain, did);
      return { ...read, fingerprint: await fingerprintOf(db, domain, did, read.domain) };
    });
    return rows;
  }

  async fingerprint(domain: string, did: string): Promise<string> {
    const db = await this.connect();
    return this.transaction(db, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', 'read', async () => {
      assertSchema(await readFacts(db), this.hints);
      return fingerprintOf(db, domain, did);
    });
  }

  async apply(ops: RowOps, expectedFingerprint?: string, onRows?: RowProgress): Promise<void> {
    const db = await this.connect();
    const stamp = kamailioTimestamp(this.now());
    await this.transaction(db, 'BEGIN', 'apply', async () => {
      assertSchema(await readFacts(db), this.hints);
      await db.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.round(this.options.busyTimeoutMs ?? 30_000))}`);
      await db.query(TABLE_LOCK);
      if (expectedFingerprint !== undefined && (await currentFingerprint(db, ops)) !== expectedFingerprint) {
        throw new PbxChangedError(ops.domain);
      }
      await writeOps(db, ops, stamp, rowCounter(ops, onRows));
      await holdTransaction();
      this.assertLockHeld(ops.did);
    });
  }

  async lock(domain: string, options: LockOptions): Promise<PbxLock> {
    const lock = await advisoryLock(this.target, domain, options, this.connectTimeoutMs);
    const key = domain.toLowerCase();
    const entry = { lock, tenant: options.tenant ?? domain };
    this.locks.set(key, entry);
    return {
      release: async () => {
        if (this.locks.get(key) === entry) this.locks.delete(key);
        await lock.release();
      },
    };
  }

  /**
   * Just before COMMIT: the tenant lock taken for this apply must still be held. Its session
   * can end (server restart during the confirmation, an idle timeout, an administrator) while
   * the apply's own connection is replaced, and another pbxsync may then hold the lock.
   */
  private assertLockHeld(domain: string): void {
    const entry = this.locks.get(domain.toLowerCase());
    if (!entry?.lock.lost()) return;
    throw new UserError(
      `the lock on tenant ${entry.tenant} was lost (its session on the PBX database ${describePg(this.target)} ended); nothing was written`,
      'another pbxsync may have taken it since: run it again',
    );
  }

  /**
   * Ends the connection, and a connect still in flight: preparePlan closes the provider when
   * the state store fails while `read()` is still connecting, and a connection completed
   * after that would keep the process from exiting. The provider may be used again after.
   */
  async close(): Promise<void> {
    const { client, opening } = this;
    this.client = null;
    this.opening = null;
    await Promise.all([endClient(client), endClient(opening?.client)]);
    await opening?.ready.catch(() => undefined);
  }

  private connect(): Promise<pg.Client> {
    // A connection lost while idle (server restart) is replaced rather than failing every call.
    if (this.client && !isLost(this.client)) return Promise.resolve(this.client);
    if (!this.opening) {
      const stale = this.client;
      this.client = null;
      void endClient(stale);
      const client = newPgClient(this.target, 'pbxsync', this.connectTimeoutMs);
      this.opening = { client, ready: this.open(client) };
    }
    return this.opening.ready;
  }

  /** Connects `client`, unless close() ended it meanwhile: then it is not kept, and the caller fails. */
  private async open(client: pg.Client): Promise<pg.Client> {
    const closed = () => this.opening?.client !== client;
    try {
      await connectPg(client, this.target);
    } catch (err) {
      if (closed()) throw closedWhileConnecting(this.target);
      this.opening = null;
      throw err;
    }
    if (closed()) {
      await endClient(client);
      throw closedWhileConnecting(this.target);
    }
    this.opening = null;
    this.client = client;
    return client;
  }

  /**
   * `body` on `db`: a lost connection becomes one line saying what it means for the rows,
   * other user-fixable pg errors one line each, anything else is rethrown untouched.
   */
  private async guard<T>(db: pg.Client, during: LostDuring, body: () => Promise<T>): Promise<T> {
    return pgGuard(this.target, async () => {
      try {
        return await untilLost(db, body());
      } catch (err) {
        if (lostWith(err, db)) throw connectionLost(this.target, during);
        throw err;
      }
    });
  }

  /**
   * BEGIN … COMMIT, or ROLLBACK on any error; a lock wait past lock_timeout is "busy". When
   * the connection is lost, what is known depends on whether COMMIT had been sent: before,
   * the server rolled back (nothing written); while it was in flight, nobody here can know.
   */
  private async transaction<T>(db: pg.Client, begin: string, during: 'apply' | 'read', body: () => Promise<T>): Promise<T> {
    let commitSent = false;
    return this.guard(db, during, async () => {
      try {
        await db.query(begin);
        const result = await untilLost(db, body());
        if (isLost(db)) throw new Error('Connection terminated unexpectedly');
        commitSent = true;
        await db.query('COMMIT');
        return result;
      } catch (err) {
        if (lostWith(err, db)) throw commitSent && during === 'apply' ? connectionLost(this.target, 'commit') : err;
        await db.query('ROLLBACK').catch(() => undefined);
        if ((err as { code?: string }).code === '55P03') throw new PbxBusyError(this.target.database);
        throw err;
      }
    });
  }
}

/** Whether `err` (not one of pbxsync's own verdicts) comes from `db`'s connection being gone. */
function lostWith(err: unknown, db: pg.Client): boolean {
  return !(err instanceof UserError) && (isConnectionLoss(err) || isLost(db));
}

/** Not a UserError: only a caller that keeps using a closed provider sees it. */
function closedWhileConnecting(target: PgTarget): Error {
  return new Error(`the connection to ${target.database} was closed by close() while it was being opened`);
}

/** What a plan's fingerprint covers: the tenant's domain, or for a move both domains. */
async function currentFingerprint(db: pg.Client, ops: RowOps): Promise<string> {
  const rows = await fingerprintOf(db, ops.moveDomain?.from ?? ops.domain, ops.did);
  return ops.moveDomain ? moveFingerprint(rows, await fingerprintOf(db, ops.domain, ops.did)) : rows;
}
