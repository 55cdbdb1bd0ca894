/**
 * Per-tenant state (allocations, retired numbers, generations) in a keyv store chosen by URL.
 * `file:PATH` is built in; other keyv backends can be added by URL scheme.
 */
import Keyv from 'keyv';
import { UserError } from '../errors.js';
import { EMPTY_STORED_STATE, type StoredTenantState } from '../model/stored-state.js';
import { JsonFileStore } from './json-file-store.js';
import { openPostgresKeyv } from './postgres-state.js';

export interface StateStore {
  load(tenant: string): Promise<StoredTenantState>;
  save(tenant: string, state: StoredTenantState): Promise<void>;
  /**
   * A cache entry kept next to the state (e.g. the directory's delta link and users). It is
   * never needed for correctness: a missing or unreadable entry only costs a full re-read.
   */
  loadCache(key: string): Promise<unknown>;
  saveCache(key: string, value: unknown): Promise<void>;
  close(): Promise<void>;
}

class KeyvStateStore implements StateStore {
  constructor(private readonly keyv: Keyv) {}

  async load(tenant: string): Promise<StoredTenantState> {
    const value = await this.keyv.get<StoredTenantState>(`tenant:${tenant}`);
    if (value === undefined) return EMPTY_STORED_STATE;
    if (value.version !== 1) throw new UserError(`state of tenant ${tenant} has version ${String(value.version)}, this pbxsync reads version 1`);
    return value;
  }

  async save(tenant: string, state: StoredTenantState): Promise<void> {
    await this.keyv.set(`tenant:${tenant}`, state);
  }

  async loadCache(key: string): Promise<unknown> {
    return this.keyv.get<unknown>(`cache:${key}`);
  }

  async saveCache(key: string, value: unknown): Promise<void> {
    await this.keyv.set(`cache:${key}`, value);
  }

  async close(): Promise<void> {
    await this.keyv.disconnect();
  }
}

/** `url` is absolute already (the tenant loader resolves relative `file:` paths). */
export function openStateStore(url: string): StateStore {
  if (url.startsWith('file:')) {
    const keyv = new Keyv({ store: new JsonFileStore(url.slice('file:'.length).replace(/^\/\/(?=\/)/, '')), namespace: 'pbxsync', throwOnErrors: true });
    // Keep the file plain JSON: the adapter stores objects, keyv need not stringify them.
    keyv.serialize = undefined;
    keyv.deserialize = undefined;
    // keyv swallows store errors by default: a corrupt state must stop the run, not look empty.
    keyv.on('error', () => undefined);
    return new KeyvStateStore(keyv);
  }
  if (/^postgres(ql)?:\/\//i.test(url)) return new KeyvStateStore(openPostgresKeyv(url));
  const scheme = url.split(':')[0] ?? url;
  throw new UserError(`state store '${scheme}:' is not supported`, 'use state.url: file:PATH or postgres://user@host/db');
}
