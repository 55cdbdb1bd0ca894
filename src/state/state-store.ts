/**
 * Per-tenant state (the tenant's record: allocations, retired numbers, generations, key id)
 * in a keyv store chosen by URL, and next to it a cache store for what is never needed for
 * correctness (the directory's delta link and users). They are kept apart so that a `plan`,
 * which takes no lock, never rewrites what an `apply` must not lose.
 */
import Keyv from 'keyv';
import { UserError } from '../errors.js';
import { EMPTY_STORED_STATE, type StoredTenantState } from '../model/stored-state.js';
import { JsonFileStore } from './json-file-store.js';
import { openPostgresKeyv } from './postgres-state.js';
import { decodeStoredState } from './stored-state-codec.js';

export interface StateStore {
  /** The tenant's record, or the empty record when the store has none. */
  load(tenant: string): Promise<StoredTenantState>;
  save(tenant: string, state: StoredTenantState): Promise<void>;
  close(): Promise<void>;
}

/** Entries that are never needed for correctness: a missing or unreadable one only costs a full re-read. */
export interface CacheStore {
  load(key: string): Promise<unknown>;
  /** Writes only when the value differs from what is there. */
  save(key: string, value: unknown): Promise<void>;
  close(): Promise<void>;
}

class KeyvStateStore implements StateStore {
  constructor(
    private readonly keyv: Keyv,
    private readonly where: string,
  ) {}

  async load(tenant: string): Promise<StoredTenantState> {
    const value = await this.keyv.get<unknown>(`tenant:${tenant}`);
    if (value === undefined) return EMPTY_STORED_STATE;
    return decodeStoredState(value, `the state of tenant ${tenant} in ${this.where}`);
  }

  async save(tenant: string, state: StoredTenantState): Promise<void> {
    await this.keyv.set(`tenant:${tenant}`, state);
  }

  async close(): Promise<void> {
    await this.keyv.disconnect();
  }
}

class KeyvCacheStore implements CacheStore {
  constructor(private readonly keyv: Keyv) {}

  async load(key: string): Promise<unknown> {
    try {
      return await this.keyv.get<unknown>(`cache:${key}`);
    } catch (err) {
      if (err instanceof UserError) return undefined; // an unreadable cache is a cache miss
      throw err;
    }
  }

  async save(key: string, value: unknown): Promise<void> {
    const old = await this.load(key);
    if (old !== undefined && JSON.stringify(old) === JSON.stringify(value)) return;
    await this.keyv.set(`cache:${key}`, value);
  }

  async close(): Promise<void> {
    await this.keyv.disconnect();
  }
}

/** `file:PATH` of a state URL (absolute already: the tenant loader resolves relative paths). */
function stateFilePath(url: string): string {
  return url.slice('file:'.length).replace(/^\/\/(?=\/)/, '');
}

/** Where the cache of a `file:` state lives: next to it, `X.pbxsync-state.json` → `X.pbxsync-cache.json`. */
export function cacheFilePath(statePath: string): string {
  return /\.pbxsync-state\.json$/.test(statePath) ? statePath.replace(/\.pbxsync-state\.json$/, '.pbxsync-cache.json') : `${statePath}.cache`;
}

function fileKeyv(path: string, what: string, disposable = false): Keyv {
  const keyv = new Keyv({ store: new JsonFileStore(path, what, disposable), namespace: 'pbxsync', throwOnErrors: true });
  // Keep the file plain JSON: the adapter stores objects, keyv need not stringify them.
  keyv.serialize = undefined;
  keyv.deserialize = undefined;
  // keyv swallows store errors by default: a corrupt state must stop the run, not look empty.
  keyv.on('error', () => undefined);
  return keyv;
}

function isPostgres(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

function unsupported(url: string): UserError {
  const scheme = url.split(':')[0] ?? url;
  return new UserError(`state store '${scheme}:' is not supported`, 'use state.url: file:PATH or postgres://user@host/db');
}

/** `label`: the URL as the tenant file wrote it (`${…}` references and all), for messages. */
export function openStateStore(url: string, label?: string): StateStore {
  if (url.startsWith('file:')) {
    const path = stateFilePath(url);
    return new KeyvStateStore(fileKeyv(path, 'state file'), path);
  }
  if (isPostgres(url)) return new KeyvStateStore(openPostgresKeyv(url, label !== undefined ? { label } : {}), 'the state database');
  throw unsupported(url);
}

export function openCacheStore(stateUrl: string, label?: string): CacheStore {
  if (stateUrl.startsWith('file:')) return new KeyvCacheStore(fileKeyv(cacheFilePath(stateFilePath(stateUrl)), 'cache file', true));
  if (isPostgres(stateUrl)) return new KeyvCacheStore(openPostgresKeyv(stateUrl, label !== undefined ? { label } : {}));
  throw unsupported(stateUrl);
}
