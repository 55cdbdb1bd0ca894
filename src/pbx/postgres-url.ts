/**
 * PostgreSQL PBX URLs: `postgres://user:password@host:port/database?options`. The password
 * must never reach a message, so everything shown to the user goes through `describePgUrl`.
 */
import { PbxUrlError } from './errors.js';

const HINT = 'use a URL like postgres://kamailio:${PBX_DB_PASSWORD}@db.example.net:5432/kamailio';

export interface PgTarget {
  readonly connectionString: string;
  readonly user: string;
  readonly host: string;
  readonly port: number;
  readonly database: string;
  /**
   * How to name the database when its URL came from the environment (e.g. `${PBX_URL}`):
   * then messages show this reference instead of the user, host and database.
   */
  readonly label?: string;
}

/**
 * `label`: the URL as the tenant file wrote it. When anything but its password came from the
 * environment, messages name the database by it (an expanded host or user is not shown).
 */
export function parsePgUrl(url: string, label?: string): PgTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new PbxUrlError('the PostgreSQL PBX URL cannot be parsed', HINT);
  }
  // Only checked: pg decodes the password itself, and would throw a URIError on a stray %.
  decoded(parsed.password, 'password');
  const database = decoded(parsed.pathname.replace(/^\//, ''), 'database name');
  if (database === '') throw new PbxUrlError('the PostgreSQL PBX URL names no database', HINT);
  return {
    connectionString: url,
    user: decoded(parsed.username, 'user name') || process.env.PGUSER || process.env.USER || 'postgres',
    // postgres:///db?host=/var/run/postgresql names a Unix socket folder.
    host: parsed.hostname || parsed.searchParams.get('host') || 'localhost',
    port: Number(parsed.port || 5432),
    database,
    ...(label !== undefined && fromEnvironment(label) ? { label } : {}),
  };
}

/** Whether a URL as written takes more than its password from `${…}`. */
function fromEnvironment(label: string): boolean {
  return label.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*:)\$\{[A-Za-z_][A-Za-z0-9_]*\}@/i, '$1@').includes('${');
}

/** A URL part with its %-escapes undone; a stray `%` (e.g. `%zz`) is the user's to fix, not a URIError. */
function decoded(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new PbxUrlError(`the PostgreSQL PBX URL has a malformed %-escape in its ${what}`, `write a literal % as %25; ${HINT}`);
  }
}

/** `user@host:port/database`: how a URL is named in messages (never with its password). */
export function describePg(target: PgTarget): string {
  return target.label ?? `${target.user}@${target.host}:${target.port}/${target.database}`;
}

/** The user, for messages (not shown when the URL came from the environment). */
export function pgUser(target: PgTarget): string {
  return target.label === undefined ? target.user : `the user of ${target.label}`;
}

/** `host:port`, for messages (not shown when the URL came from the environment). */
export function pgServer(target: PgTarget): string {
  return target.label === undefined ? `${target.host}:${target.port}` : `the server of ${target.label}`;
}

/** The host, for messages (not shown when the URL came from the environment). */
export function pgHost(target: PgTarget): string {
  return target.label === undefined ? target.host : `the host of ${target.label}`;
}

/** The database name, for messages (not shown when the URL came from the environment). */
export function pgDatabase(target: PgTarget): string {
  return target.label === undefined ? target.database : `the database of ${target.label}`;
}
