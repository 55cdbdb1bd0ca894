/**
 * Turns what `pg` throws into one clear line for the errors a user can fix (server down,
 * wrong host, wrong password, missing database, no permission, lost connection); anything
 * else is rethrown untouched. Messages name the target without its password.
 *
 * Also the life cycle of pbxsync's own `pg.Client`s, which is where most of those errors
 * come from: created with an 'error' listener, ended when the connect fails, watched for the
 * loss of their connection, and ended within a bound.
 */
import pg from 'pg';
import { UserError } from '../errors.js';
import { describePg, pgDatabase, pgHost, pgServer, pgUser, type PgTarget } from './postgres-url.js';

/** How a URL takes its password from the environment (a literal `${…}`, expanded by the tenant loader). */
const ENV_EXAMPLE = 'postgres://user:${PBX_DB_PASSWORD}@host/db';

interface PgLikeError {
  readonly code?: string;
  readonly message?: string;
}

/** PostgreSQL SQLSTATEs and Node socket codes we explain. */
function explain(code: string, t: PgTarget, what: string): UserError | null {
  const where = `${what} ${describePg(t)}`;
  const key = what === 'PBX database' ? 'pbx.url' : 'state.url';
  switch (code) {
    case 'ECONNREFUSED':
      return new UserError(`cannot connect to the ${where}: connection refused`, `is PostgreSQL running and listening on ${pgServer(t)}? check ${key}`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new UserError(`cannot connect to the ${where}: unknown host ${pgHost(t)}`, `check the host name in ${key}`);
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new UserError(
        `cannot connect to the ${where}: ${pgHost(t)} does not answer`,
        'check the host, the port and the firewall between here and the database',
      );
    case 'ECONNRESET':
      return new UserError(`the ${where} closed the connection`, 'check the database server log; retry once it is up');
    case '28P01':
      return new UserError(
        `the ${where} refused the login of ${pgUser(t)}: password authentication failed`,
        `check the password in ${key}; keep it in the environment: ${ENV_EXAMPLE}`,
      );
    case '28000':
      return new UserError(`the ${where} refused the login of ${pgUser(t)}`, `check the user in ${key} and the server's pg_hba.conf`);
    case '3D000':
      // The state table is created on first use; Kamailio's tables need `pbx init`.
      return new UserError(
        `the ${where} does not exist`,
        what === 'PBX database'
          ? `create it (createdb ${pgDatabase(t)}), then run \`pbxsync pbx init\``
          : `create it (createdb ${pgDatabase(t)}); pbxsync creates its table there on first use`,
      );
    case '42501':
      return what === 'PBX database'
        ? new UserError(
            `${pgUser(t)} may not read or write Kamailio's tables in ${where}`,
            `GRANT SELECT, INSERT, UPDATE, DELETE on them (and USAGE on their sequences) to ${pgUser(t)}`,
          )
        : new UserError(`${pgUser(t)} may not read or write pbxsync's table in ${where}`, `GRANT SELECT, INSERT, UPDATE on it to ${pgUser(t)}`);
    case '57P01':
      return new UserError(`the ${where} ended the connection (shutting down, or an administrator ended the session)`, 'retry once it is up');
    case '57P02':
    case '57P03':
      return new UserError(`the ${where} is shutting down or starting up`, 'retry once it is up');
    // PostgreSQL text cannot hold NUL (U+0000). This and 22P05 are raised before anything is
    // stored, so the statement (and the apply's transaction) fails whole.
    case '22021':
      return new UserError(
        `a value contains a character PostgreSQL cannot store (NUL) in the ${where}; nothing was written`,
        'remove NUL (\\u0000) characters from the directory attribute or tenant setting the value comes from',
      );
    // A character the database's encoding lacks (e.g. an emoji in a LATIN1 database).
    case '22P05':
      return new UserError(
        `a value contains a character the encoding of the ${where} cannot store; nothing was written`,
        'use a UTF8 database (createdb -E UTF8), or remove the character from where the value comes from',
      );
    default:
      return null;
  }
}

export function pgUserError(err: unknown, target: PgTarget, what = 'PBX database'): unknown {
  const e = err as PgLikeError | null;
  if (!e || typeof e !== 'object' || typeof e.code !== 'string') {
    const message = String(e?.message);
    // pg's own wording when the server wants a password and the URL carries none.
    if (/client password must be a string/i.test(message)) {
      return new UserError(
        `the ${what} ${describePg(target)} asks for a password, and the URL has none`,
        `add it to the URL from the environment: ${ENV_EXAMPLE}`,
      );
    }
    // The connect timeout: pg's client says "timeout expired", pg's pool "… due to connection timeout".
    if (/^timeout expired$|connection timeout/i.test(message)) {
      return new UserError(
        `cannot connect to the ${what} ${describePg(target)}: ${pgHost(target)} does not answer`,
        'check the host, the port and that PostgreSQL is not hung',
      );
    }
    if (/Connection terminated|not queryable/i.test(message)) {
      return new UserError(`the ${what} ${describePg(target)} closed the connection`, 'check the database server log; retry once it is up');
    }
    return err;
  }
  if (e.code === 'EPIPE') return explain('ECONNRESET', target, what);
  return explain(e.code, target, what) ?? err;
}

/**
 * Errors that mean the session is gone: the server restarted or crashed (57P01, 57P02), an
 * administrator ran pg_terminate_backend (57P01), a connection exception (class 08), the
 * socket broke, or pg refusing a client whose connection already failed.
 */
export function isConnectionLoss(err: unknown): boolean {
  const e = err as PgLikeError | null;
  if (!e || typeof e !== 'object') return false;
  const code = typeof e.code === 'string' ? e.code : '';
  if (['57P01', '57P02', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT'].includes(code) || code.startsWith('08')) return true;
  return /Connection terminated|not queryable/i.test(String(e.message));
}

/** What pbxsync was doing when a connection was lost, which decides what can be said about the rows. */
export type LostDuring = 'apply' | 'commit' | 'read' | 'init' | 'lock';

export function connectionLost(target: PgTarget, during: LostDuring): UserError {
  const lost = `the connection to the PBX database ${describePg(target)} was lost`;
  switch (during) {
    case 'apply':
      // COMMIT was never sent: the server rolls back a transaction whose session ends.
      return new UserError(`${lost} during the apply; nothing was written`, 'PostgreSQL rolled the transaction back; retry once the server is up');
    case 'commit':
      // COMMIT was sent but no answer came: it may or may not have been carried out.
      return new UserError(
        `${lost} while the apply was committing: whether it took effect is unknown`,
        'once the server is up, run `pbxsync plan` to see whether the changes are there, and apply again if they are not',
      );
    case 'read':
      return new UserError(`${lost} while reading`, 'retry once the server is up');
    case 'init':
      return new UserError(`${lost} during init`, 'run `pbxsync pbx init` again once the server is up: it creates only the tables still missing');
    case 'lock':
      return new UserError(`${lost} while taking the tenant lock`, 'retry once the server is up');
  }
}

/** The role may not create tables where `init` (or the state store) needs them. */
export function cannotCreateTables(target: PgTarget, what = 'PBX database'): UserError {
  return new UserError(
    `${pgUser(target)} may not create tables in the ${what} ${describePg(target)}`,
    `GRANT CREATE ON SCHEMA public TO ${pgUser(target)}, or create them as the database owner`,
  );
}

/** How a `pg.Client` of pbxsync's came to be gone, if it is. */
const gone = new WeakMap<pg.Client, { lost: boolean; signal: Promise<void> }>();

/**
 * A client that never crashes the process with an unhandled 'error' (a connection that dies
 * while idle emits one), and whose loss `isLost`/`untilLost` can see. `connectTimeoutMs`
 * bounds the connect: a host that accepts and never answers would otherwise hang for ever.
 */
export function newPgClient(target: PgTarget, applicationName: string, connectTimeoutMs: number): pg.Client {
  const client = new pg.Client({ connectionString: target.connectionString, application_name: applicationName, connectionTimeoutMillis: connectTimeoutMs });
  const state = { lost: false, signal: Promise.resolve() };
  state.signal = new Promise<void>((resolve) => {
    const lost = () => {
      state.lost = true;
      resolve();
    };
    // 'error' comes first when the server says why (57P01 to an idle session); 'end' always comes.
    client.on('error', lost);
    client.once('end', lost);
  });
  gone.set(client, state);
  return client;
}

/** True once the client's connection failed or ended: any query on it would fail. */
export function isLost(client: pg.Client): boolean {
  return gone.get(client)?.lost ?? false;
}

/**
 * `work`, unless the connection dies first: then it rejects at once, so that a step that is
 * not a query (the test hold, a computation) cannot keep a dead session's caller waiting.
 */
export async function untilLost<T>(client: pg.Client, work: Promise<T>): Promise<T> {
  const state = gone.get(client);
  if (!state) return work;
  // Abandoned when the connection wins the race: its (expected) failure must not go unhandled.
  work.catch(() => undefined);
  const lost = state.signal.then((): never => {
    throw new Error('Connection terminated unexpectedly');
  });
  return Promise.race([work, lost]);
}

/** A default the options can override: long enough for a slow login, short of "hung". */
export const CONNECT_TIMEOUT_MS = 30_000;

/**
 * Connects `client`; when that fails the client is ended before the (one-line) error is
 * thrown. pg leaves a failed login's socket open (e.g. "client password must be a string"),
 * and the server then keeps that half-authenticated backend for authentication_timeout,
 * which also stalls every DROP DATABASE on the server meanwhile.
 */
export async function connectPg(client: pg.Client, target: PgTarget, what = 'PBX database'): Promise<void> {
  try {
    // Raced with the connection's end: pg never settles connect() when end() (our close())
    // interrupts it. A connect that fails on its own rejects first, with its own error.
    await untilLost(client, client.connect());
  } catch (err) {
    await endClient(client);
    throw pgUserError(err, target, what);
  }
}

/** How long `endClient` waits for the server to acknowledge before cutting the socket. */
export const END_GRACE_MS = 2_000;

/** `work`'s outcome, or undefined once `ms` have passed without one (`work` is then ignored). */
export async function within<T>(ms: number, work: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  work.catch(() => undefined);
  try {
    return await Promise.race([work, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Ends a client politely (Terminate, then wait for the close), cutting the socket when that
 * takes longer than a grace period: a hung or silent server must not hang pbxsync's exit.
 * Never throws; safe on null, on a client that never connected, and twice.
 */
export async function endClient(client: pg.Client | null | undefined): Promise<void> {
  if (!client) return;
  const ending = client.end().then(
    () => true,
    () => true,
  );
  if (!(await within(END_GRACE_MS, ending))) client.connection.stream.destroy();
}

/** Runs `fn`, turning user-fixable `pg` errors into `UserError`s. */
export async function pgGuard<T>(target: PgTarget, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw pgUserError(err, target);
  }
}
