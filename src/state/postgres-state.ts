/**
 * The state store on PostgreSQL (`state.url: postgres://…`), through keyv's PostgreSQL
 * adapter, for teams that run pbxsync from several machines. It keeps its rows in its own
 * table, `pbxsync_state` (created on first use), never in Kamailio's tables.
 */
import KeyvPostgres from '@keyv/postgres';
import Keyv from 'keyv';
import pg from 'pg';
import { UserError } from '../errors.js';
import { CONNECT_TIMEOUT_MS, END_GRACE_MS, cannotCreateTables, endClient, pgUserError, within } from '../pbx/postgres-errors.js';
import { describePg, parsePgUrl, pgUser, type PgTarget } from '../pbx/postgres-url.js';

const STATE_TABLE = 'pbxsync_state';

const WHAT = 'state database';

type Rows = Record<string, unknown>[];

/**
 * A pool client that ends itself when its connect fails: pg-pool forgets such a client
 * without ending it, and a half-authenticated login (no password in the URL) then holds a
 * server backend for authentication_timeout, stalling every DROP DATABASE meanwhile.
 */
class SelfEndingClient extends pg.Client {
  override connect(): Promise<pg.Client>;
  override connect(callback: (err: Error) => void): void;
  override connect(callback?: (err: Error) => void): Promise<pg.Client> | void {
    if (!callback) return super.connect();
    // pg calls back (null, client) on success; pg-pool only looks at the error.
    super.connect((err: Error | null) => {
      if (!err) return callback(null as unknown as Error);
      void endClient(this).then(() => callback(err));
    });
  }
}

/**
 * @keyv/postgres with a pool of its own per store. The adapter's own pool is module-wide:
 * opening a store on another URL replaces it without ending it (the process then never
 * exits), any store's disconnect() ends it under the others, a second disconnect() throws,
 * and it has no 'error' listener, so an idle connection that dies (server restart) crashed
 * the process with an unhandled 'error'. Every failure here is one line naming the database
 * without its password.
 */
class StateStoreAdapter extends KeyvPostgres {
  // Set by connect(), which KeyvPostgres's constructor calls: `declare` keeps a class field
  // initialiser (run after super()) from resetting them.
  declare private pool: pg.Pool | undefined;
  declare private clients: Set<pg.Client>;
  /** Why the constructor's CREATE TABLE failed, if it did: later queries then find no table. */
  declare private createError: unknown;

  override async connect(): Promise<(sql: string, values?: unknown) => Promise<Rows>> {
    const target = parsePgUrl(String(this.opts.uri), (this.opts as { label?: string }).label);
    const clients = new Set<pg.Client>();
    this.clients = clients;
    const pool = new pg.Pool({
      connectionString: target.connectionString,
      application_name: this.opts.application_name ?? 'pbxsync state',
      connectionTimeoutMillis: this.opts.connectionTimeoutMillis ?? CONNECT_TIMEOUT_MS,
      // A class per store, so that disconnect() can cut the sockets of clients still busy.
      Client: class extends SelfEndingClient {
        constructor(config?: pg.ClientConfig) {
          super(config);
          clients.add(this);
          this.once('end', () => clients.delete(this));
        }
      } as unknown as new () => pg.ClientBase,
    });
    // An idle client whose connection dies is removed by the pool, which then emits 'error':
    // the next query simply gets a fresh connection.
    pool.on('error', () => undefined);
    this.pool = pool;
    return async (sql, values) => {
      try {
        return (await pool.query(sql, values as unknown[])).rows as Rows;
      } catch (err) {
        throw this.explain(err, sql, target);
      }
    };
  }

  /** One line for what a user can fix; the CREATE TABLE's own error when the table is missing because of it. */
  private explain(err: unknown, sql: string, target: PgTarget): unknown {
    const code = (err as { code?: string }).code;
    if (/^\s*CREATE\b/i.test(sql) && code !== '23505') this.createError = err;
    else if (code === '42P01' && this.createError !== undefined) return tableNotCreated(this.createError, target);
    return pgUserError(err, target, WHAT);
  }

  /** Ends the pool, also after errors and when called twice; clients still busy after a grace period are cut. */
  override async disconnect(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    if (!pool) return;
    const ended = pool.end().then(
      () => true,
      () => true,
    );
    if (await within(END_GRACE_MS, ended)) return;
    for (const client of this.clients) client.connection.stream.destroy();
    await within(END_GRACE_MS, ended);
  }
}

function tableNotCreated(createError: unknown, target: PgTarget): UserError {
  const byOwner = `have the database owner create it: CREATE TABLE public.${STATE_TABLE}(key VARCHAR(255) PRIMARY KEY, value TEXT)`;
  if ((createError as { code?: string }).code === '42501') {
    return new UserError(cannotCreateTables(target, WHAT).message, `GRANT CREATE ON SCHEMA public TO ${pgUser(target)}, or ${byOwner}`);
  }
  const mapped = pgUserError(createError, target, WHAT);
  if (mapped instanceof UserError) return mapped;
  return new UserError(`cannot create the table ${STATE_TABLE} in the ${WHAT} ${describePg(target)}: ${String((createError as Error).message)}`, byOwner);
}

export interface PostgresStateOptions {
  /** How long a connect may take before the server counts as not answering (default 30 s). */
  readonly connectTimeoutMs?: number;
  /** The URL as the tenant file wrote it (`${…}` references and all), for messages. */
  readonly label?: string;
}

export function openPostgresKeyv(url: string, options: PostgresStateOptions = {}): Keyv {
  parsePgUrl(url, options.label);
  const store = new StateStoreAdapter({
    uri: url,
    ...(options.label !== undefined ? { label: options.label } : {}),
    table: STATE_TABLE,
    application_name: 'pbxsync state',
    connectionTimeoutMillis: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
  });
  const keyv = new Keyv({ store, namespace: 'pbxsync', throwOnErrors: true });
  // keyv swallows store errors by default: an unreachable state must stop the run, not look empty.
  keyv.on('error', () => undefined);
  return keyv;
}
