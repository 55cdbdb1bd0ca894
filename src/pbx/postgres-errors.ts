/**
 * Turns what `pg` throws into one clear line for the errors a user can fix (server down,
 * wrong host, wrong password, missing database, no permission); anything else is rethrown
 * untouched. Messages name the target without its password.
 */
import { UserError } from '../errors.js';
import { describePg, type PgTarget } from './postgres-url.js';

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
      return new UserError(`cannot connect to the ${where}: connection refused`, `is PostgreSQL running and listening on ${t.host}:${t.port}? check ${key}`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new UserError(`cannot connect to the ${where}: unknown host ${t.host}`, `check the host name in ${key}`);
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new UserError(`cannot connect to the ${where}: ${t.host} does not answer`, 'check the host, the port and the firewall between here and the database');
    case 'ECONNRESET':
      return new UserError(`the ${where} closed the connection`, 'check the database server log; retry once it is up');
    case '28P01':
      return new UserError(`the ${where} refused the login of ${t.user}: password authentication failed`, `check the password in ${key}; keep it in the environment: ${ENV_EXAMPLE}`);
    case '28000':
      return new UserError(`the ${where} refused the login of ${t.user}`, `check the user in ${key} and the server's pg_hba.conf`);
    case '3D000':
      return new UserError(`the ${where} does not exist`, `create it (createdb ${t.database}), then run \`pbxsync pbx init\``);
    case '42501':
      return new UserError(`${t.user} may not read or write Kamailio's tables in ${where}`, `GRANT SELECT, INSERT, UPDATE, DELETE on them (and USAGE on their sequences) to ${t.user}`);
    case '57P01':
    case '57P03':
      return new UserError(`the ${where} is shutting down or starting up`, 'retry once it is up');
    default:
      return null;
  }
}

export function pgUserError(err: unknown, target: PgTarget, what = 'PBX database'): unknown {
  const e = err as PgLikeError | null;
  if (!e || typeof e !== 'object' || typeof e.code !== 'string') {
    // pg's own wording when the server wants a password and the URL carries none.
    if (/client password must be a string/i.test(String(e?.message))) {
      return new UserError(`the ${what} ${describePg(target)} asks for a password, and the URL has none`, `add it to the URL from the environment: ${ENV_EXAMPLE}`);
    }
    if (/Connection terminated/i.test(String(e?.message))) {
      return new UserError(`the ${what} ${describePg(target)} closed the connection`, 'check the database server log; retry once it is up');
    }
    return err;
  }
  return explain(e.code, target, what) ?? err;
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
