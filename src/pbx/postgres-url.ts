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
}

export function parsePgUrl(url: string): PgTarget {
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
  };
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
  return `${target.user}@${target.host}:${target.port}/${target.database}`;
}
