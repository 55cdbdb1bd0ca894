/**
 * A domain belongs to the tenant (did) that created it. A tenant file naming a domain that
 * another did holds, a domain holding another tenant's accounts, or a tenant name that is
 * already the did of another domain is refused before anything is written: otherwise two
 * tenant files would fight over the same rows, or a renamed tenant would copy every account.
 * Pure.
 */
import type { PbxTenantState } from '../model/pbx-state.js';
import type { TenantConfig } from '../model/tenant-config.js';
import type { CurrentTenant } from './current-accounts.js';
import { PlanError } from './plan-error.js';

export function checkOwnership(config: TenantConfig, pbx: PbxTenantState, current: CurrentTenant): void {
  const { domain } = pbx;
  if (domain.exists && domain.did !== config.name) {
    if (domain.did === null) {
      throw new PlanError(
        [`domain ${config.domain} exists in the PBX without a did (not made by pbxsync); nothing was changed`],
        `if pbxsync should manage it as tenant ${config.name}, set its did first: UPDATE domain SET did = '${config.name}' WHERE domain = '${config.domain}'`,
      );
    }
    throw new PlanError(
      [`domain ${config.domain} belongs to tenant '${domain.did}' (its did), but this file is tenant '${config.name}'; nothing was changed`],
      `tenant: is a tenant's permanent id: renaming it is not supported (it would copy every account). Put back tenant: ${domain.did}, or choose another domain`,
    );
  }
  for (const [other, count] of current.otherTenants) {
    throw new PlanError(
      [
        `domain ${config.domain} holds ${count} account${count === 1 ? '' : 's'} that pbxsync made for tenant '${other}', not '${config.name}'; nothing was changed`,
      ],
      `a domain belongs to one tenant: put back tenant: ${other}, or choose another domain`,
    );
  }
  const others = domain.otherDomainsOfDid;
  if (others.length > 0) {
    throw new PlanError(
      [`tenant name '${config.name}' is already the did of domain ${others.join(', ')}; nothing was changed`],
      `tenant names are unique across the PBX: choose another tenant:, or edit the tenant file of ${others[0]} instead`,
    );
  }
}

/**
 * A move takes every row of the tenant's domain along; rows someone else made there would be
 * changed too, so the move is refused until they are gone.
 */
export function checkMovable(from: string, current: CurrentTenant): void {
  const foreign = current.foreignSubscribers.length + current.foreignAliases.size;
  if (foreign === 0) return;
  throw new PlanError(
    [
      `domain ${from} holds ${foreign} row${foreign === 1 ? '' : 's'} pbxsync did not create (${[...current.foreignSubscribers, ...current.foreignAliases.keys()].slice(0, 3).join(', ')}); a move would take them along; nothing was changed`,
    ],
    `move or remove them first, or keep domain: ${from}`,
  );
}
