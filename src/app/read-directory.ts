/**
 * Reads the tenant's directory: every user the source gives, and the check that the tenant's
 * SIP domain is a verified domain of that directory (DESIGN: a tenant domain is written only
 * when the directory lists it as verified). Shared by `plan`, `apply` and `discover`.
 */
import { UserError } from '../errors.js';
import type { DirectoryUser } from '../model/directory-user.js';
import type { TenantConfig } from '../model/tenant-config.js';
import { openCacheStore } from '../state/state-store.js';
import type { Logger } from './logger.js';
import { openSource, type OpenSourceOptions } from './open-source.js';

export interface DirectoryRead {
  readonly users: DirectoryUser[];
  /** Verified domains of the directory (lower case). */
  readonly domains: string[];
}

export async function readDirectory(config: TenantConfig, options: OpenSourceOptions & { readonly ispDomain?: boolean }): Promise<DirectoryRead> {
  const opened = await openSource(config, options);
  try {
    // Domains first: an unverified domain stops the run before the (longer) user read. A
    // domain under the ISP's own namespace is the ISP's, not the customer's: no directory lists it.
    const domains = await opened.source.verifiedDomains();
    if (options.ispDomain !== true) checkDomainVerified(config, domains);
    const users = await opened.source.listUsers();
    return { users, domains };
  } finally {
    await opened.close();
  }
}

function checkDomainVerified(config: TenantConfig, verified: readonly string[]): void {
  if (verified.includes(config.domain)) return;
  const where = config.source.type === 'azure' ? `the Entra ID directory ${config.source.labels.tenantId}` : `the directory snapshot ${config.source.path}`;
  const known = verified.length > 0 ? ` (verified there: ${verified.join(', ')})` : '';
  throw new UserError(
    `the tenant's SIP domain ${config.domain} is not a verified domain of ${where}${known}`,
    'add and verify the domain in the Entra admin center (Settings → Domain names), or correct domain: in the tenant file',
  );
}

/** How `preparePlan` reads the directory. */
export interface ReadOptions {
  readonly deviceCode?: boolean;
  readonly onProgress?: (usersRead: number) => void;
  /** Use (and update) the azure source's delta cache in the state store. Default true. */
  readonly deltaCache?: boolean;
  /** Sees the whole read (users and verified domains), e.g. to save it as a snapshot. */
  readonly onRead?: (read: DirectoryRead) => void;
  /** The tenant's domain lies under the ISP's own namespace: the directory need not list it as verified. */
  readonly ispDomain?: boolean;
}

/**
 * `readDirectory` with the tenant's cache store (next to the state store, never the state
 * itself: a plan takes no lock) as the delta cache, opened for the read only.
 */
export async function readTenantDirectory(config: TenantConfig, log: Logger, options: ReadOptions = {}): Promise<DirectoryRead> {
  const { deltaCache = true, onRead, ...rest } = options;
  const cache = deltaCache && config.source.type === 'azure' ? openCacheStore(config.state.url, config.labels.stateUrl) : undefined;
  try {
    const read = await readDirectory(config, { log, ...rest, ...(cache ? { cache } : {}) });
    onRead?.(read);
    return read;
  } finally {
    await cache?.close();
  }
}
