import type { DirectoryUser } from '../model/directory-user.js';

/**
 * Where a tenant's users come from: Microsoft Graph for live tenants, a saved Graph response
 * (snapshot) for offline plans, demos and tests. Implementations only fetch and map; scope
 * filtering (enabled, members, UPN domains, exclusions) is done by the pure core, so every
 * source behaves the same.
 *
 * Errors the operator can fix (missing file, missing consent, throttling that never ends)
 * are thrown as `UserError` with a hint; anything else is a bug and keeps its stack.
 */
export interface DirectorySource {
  /**
   * Every user the source can see, unfiltered (scope filtering is done by the pure core).
   * Each object id appears once; the order is the source's own and carries no meaning.
   */
  listUsers(): Promise<DirectoryUser[]>;
  /** Domains the directory lists as verified (lower case). */
  verifiedDomains(): Promise<string[]>;
}
