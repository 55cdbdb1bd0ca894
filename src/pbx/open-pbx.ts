/**
 * Turns a tenant file's `pbx.url` into a provider. Opening is lazy: the SQLite file is only
 * touched by the first call, so `pbx init` can create it.
 */
import { isAbsolute, resolve } from 'node:path';
import { PbxUrlError } from './errors.js';
import { PostgresPbxProvider } from './postgres-provider.js';
import type { PbxProvider } from './provider.js';
import { SqlitePbxProvider } from './sqlite-provider.js';

const SQLITE_HINT = 'use a URL like sqlite:pbx.sqlite (relative to the tenant file) or sqlite:///var/lib/pbx.sqlite';

/**
 * The file path of a `sqlite:` URL: `sqlite:rel/path`, `sqlite:/abs/path`, `sqlite:///abs/path`
 * or `sqlite://./rel/path`. Relative paths are resolved against `baseDir`.
 */
export function sqlitePathOf(url: string, baseDir: string): string {
  const rest = url.slice('sqlite:'.length);
  const path = rest.startsWith('//') ? rest.slice(2) : rest;
  if (path === '') throw new PbxUrlError(`the PBX URL "${url}" names no file`, SQLITE_HINT);
  // better-sqlite3 would open a throw-away in-memory database: an apply would vanish.
  if (path === ':memory:') throw new PbxUrlError('an in-memory PBX database cannot be synced', SQLITE_HINT);
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

/** The scheme only: a URL may hold a password, which must never be printed. */
function schemeOf(url: string): string | null {
  const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(url);
  return match?.[1]?.toLowerCase() ?? null;
}

export interface OpenPbxOptions {
  /** Folder of Kamailio's PostgreSQL scripts, for `pbx init postgres://…`. */
  readonly sqlDir?: string;
  /** The URL as the tenant file wrote it (`${…}` references and all), for messages. */
  readonly label?: string;
  /**
   * SQLite only: the mode `pbx init` gives a new database file, and what existing files are
   * checked against: 0o600 (default), or 0o640/0o660 with `fileGroup`.
   */
  readonly fileMode?: number;
  /** SQLite only: the group (name) that gets the group bits: Kamailio's. */
  readonly fileGroup?: string;
  /** SQLite only: where warnings about files readable beyond that go (default: stderr). */
  readonly onWarning?: (message: string) => void;
}

/** PostgreSQL connects on first use too: `openPbx` never fails on an unreachable server. */
export async function openPbx(url: string, baseDir: string, options: OpenPbxOptions = {}): Promise<PbxProvider> {
  const scheme = schemeOf(url);
  if (scheme === 'sqlite') {
    const { fileMode, fileGroup, onWarning } = options;
    return new SqlitePbxProvider(sqlitePathOf(url, baseDir), { fileMode, fileGroup, onWarning });
  }
  if (scheme === 'postgres' || scheme === 'postgresql') {
    return new PostgresPbxProvider(url, {
      ...(options.sqlDir !== undefined ? { sqlDir: options.sqlDir } : {}),
      ...(options.label !== undefined ? { label: options.label } : {}),
    });
  }
  if (scheme === null) {
    throw new PbxUrlError('the PBX URL has no scheme (expected sqlite: or postgres:)', SQLITE_HINT);
  }
  throw new PbxUrlError(`unsupported PBX URL scheme "${scheme}:" (supported: sqlite:, postgres:)`, SQLITE_HINT);
}
