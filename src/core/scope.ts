/** Which directory users belong in the PBX, per the tenant's scope and per-user overrides. */
import type { DirectoryUser } from '../model/directory-user.js';
import type { ScopeSummary } from '../model/plan.js';
import type { TenantConfig, UserOverride } from '../model/tenant-config.js';

function upnDomain(upn: string): string {
  return upn.slice(upn.lastIndexOf('@') + 1).toLowerCase();
}

function isGuest(user: DirectoryUser): boolean {
  return user.userType.toLowerCase() !== 'member' || user.userPrincipalName.includes('#EXT#');
}

/** Users the scope admits, before exclusions. */
export function inScope(users: readonly DirectoryUser[], config: TenantConfig): DirectoryUser[] {
  const { scope } = config.source;
  const domains = new Set(scope.domains.length > 0 ? scope.domains : [config.domain]);
  return users.filter((u) => (!scope.enabledOnly || u.accountEnabled) && (!scope.membersOnly || !isGuest(u)) && domains.has(upnDomain(u.userPrincipalName)));
}

/** Override for each user that one names (by object id, else by UPN). */
export function overridesByUser(users: readonly DirectoryUser[], overrides: readonly UserOverride[]): Map<string, UserOverride> {
  const byId = new Map<string, UserOverride>();
  const byUpn = new Map<string, UserOverride>();
  for (const o of overrides) (o.match.by === 'id' ? byId : byUpn).set(o.match.value, o);
  const result = new Map<string, UserOverride>();
  for (const u of users) {
    const o = byId.get(u.id.toLowerCase()) ?? byUpn.get(u.userPrincipalName.toLowerCase());
    if (o) result.set(u.id, o);
  }
  return result;
}

/** Stable order for handing out usernames and extensions: display name, then UPN, then id. */
export function compareUsers(a: DirectoryUser, b: DirectoryUser): number {
  return a.displayName.localeCompare(b.displayName, 'en') || a.userPrincipalName.localeCompare(b.userPrincipalName, 'en') || a.id.localeCompare(b.id);
}

/** How many users the scope admits, and why the others are left out (each user counted once, first reason). */
export function scopeSummary(users: readonly DirectoryUser[], config: TenantConfig, excluded: (u: DirectoryUser) => boolean): ScopeSummary {
  const { scope } = config.source;
  const domains = new Set(scope.domains.length > 0 ? scope.domains : [config.domain]);
  const otherDomains: Record<string, number> = {};
  let disabled = 0;
  let guests = 0;
  let excludedCount = 0;
  let inScopeCount = 0;
  for (const u of users) {
    if (scope.enabledOnly && !u.accountEnabled) disabled++;
    else if (scope.membersOnly && isGuest(u)) guests++;
    else if (!domains.has(upnDomain(u.userPrincipalName))) {
      const d = upnDomain(u.userPrincipalName);
      otherDomains[d] = (otherDomains[d] ?? 0) + 1;
    } else if (excluded(u)) excludedCount++;
    else inScopeCount++;
  }
  const sorted = Object.fromEntries(Object.entries(otherDomains).sort(([a], [b]) => (a < b ? -1 : 1)));
  return { read: users.length, inScope: inScopeCount, disabled, guests, otherDomains: sorted, excluded: excludedCount };
}
