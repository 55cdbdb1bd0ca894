/** Picks the directory source named by the tenant file. */
import type { DirectorySource } from '../directory/source.js';
import { SnapshotSource } from '../directory/snapshot-source.js';
import { UserError } from '../errors.js';
import type { TenantConfig } from '../model/tenant-config.js';
import type { CacheStore } from '../state/state-store.js';
import type { Logger } from './logger.js';

/** What a live source needs besides the tenant file. */
export interface OpenSourceOptions {
  readonly log: Logger;
  /** Keeps the azure source's delta cache; without it every read is a full read. */
  readonly cache?: CacheStore;
  /** Sign in interactively (device code) instead of with the app's credential. */
  readonly deviceCode?: boolean;
  /** Called after each page of users with the number read so far. */
  readonly onProgress?: (usersRead: number) => void;
}

/** A source, and how to release what it holds (connections). */
export interface OpenedSource {
  readonly source: DirectorySource;
  close(): Promise<void>;
}

export async function openSource(config: TenantConfig, options: OpenSourceOptions): Promise<OpenedSource> {
  const source = config.source;
  switch (source.type) {
    case 'snapshot':
      if (options.deviceCode) throw new UserError('--device-code needs a tenant file with source.type: azure');
      return { source: new SnapshotSource(source.path), close: async () => undefined };
    case 'azure': {
      // Loaded lazily: msal and the Graph client are heavy, and snapshot runs never need them.
      const { AzureSource } = await import('../directory/azure-source.js');
      const cache = options.cache;
      const key = `azure-delta:${config.name}`;
      const azure = new AzureSource(source, {
        log: options.log,
        ...(cache ? { deltaStore: { load: () => cache.load(key), save: (v: unknown) => cache.save(key, v) } } : {}),
        ...(options.deviceCode ? { deviceCode: true } : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      });
      return { source: azure, close: () => azure.close() };
    }
    default: {
      const never: never = source;
      throw new Error(`unknown source ${JSON.stringify(never)}`);
    }
  }
}
