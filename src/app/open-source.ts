/** Picks the directory source named by the tenant file. */
import type { DirectorySource } from '../directory/source.js';
import { SnapshotSource } from '../directory/snapshot-source.js';
import { UserError } from '../errors.js';
import type { TenantConfig } from '../model/tenant-config.js';
import type { StateStore } from '../state/state-store.js';
import type { Logger } from './logger.js';

/** What a live source needs besides the tenant file. */
export interface OpenSourceOptions {
  readonly log: Logger;
  /** Keeps the azure source's delta cache; without it every read is a full read. */
  readonly state?: StateStore;
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
      const state = options.state;
      const azure = new AzureSource(source, {
        log: options.log,
        ...(state ? { deltaStore: { load: () => state.loadCache(`azure-delta:${config.name}`), save: (v: unknown) => state.saveCache(`azure-delta:${config.name}`, v) } } : {}),
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
