/**
 * Warnings for `users:` entries that match nobody in the directory. An entry keyed by a UPN
 * that an account of this tenant had before a rename silently stops applying to that person,
 * so the warning names the account and suggests the object-id key, which survives renames.
 */
import { describePath, type YamlPath } from '../config/problem.js';
import type { DirectoryUser } from '../model/directory-user.js';
import { primaryExtension, type PlanWarning } from '../model/plan.js';
import type { StoredTenantState } from '../model/stored-state.js';
import type { TenantConfig, UserOverride } from '../model/tenant-config.js';
import type { CurrentTenant } from './current-accounts.js';

export type Locate = (path: YamlPath) => { file: string; line: number; col: number } | undefined;

export function overrideWarnings(
  config: TenantConfig,
  directory: readonly DirectoryUser[],
  current: CurrentTenant,
  record: StoredTenantState,
  locate: Locate = () => undefined,
): PlanWarning[] {
  const upns = new Set(directory.map((u) => u.userPrincipalName.toLowerCase()));
  const byId = new Map(directory.map((u) => [u.id.toLowerCase(), u]));
  const warnings: PlanWarning[] = [];
  for (const o of config.users) {
    const matches = o.match.by === 'upn' ? upns.has(o.match.value) : byId.has(o.match.value);
    if (matches) continue;
    const location = locate(o.path);
    warnings.push({ ...describeStale(o, byId, current, record), ...(location ? { location } : {}) });
  }
  return warnings;
}

function describeStale(o: UserOverride, directory: ReadonlyMap<string, DirectoryUser>, current: CurrentTenant, record: StoredTenantState): PlanWarning {
  const entry = describePath(o.path);
  const id = o.match.by === 'id' ? o.match.value : accountWithUpn(current, o.match.value);
  const account = id === undefined ? undefined : current.accounts.get(id)?.view;
  const known = id === undefined ? undefined : record.accounts[id];
  if (id === undefined || (account === undefined && known === undefined)) {
    return {
      code: 'override-matches-nobody',
      message: `${entry} matches no directory user`,
      hint: 'check the spelling; overrides for users outside the source scope have no effect',
    };
  }
  const name = account ? `${account.username} (${primaryExtension(account) || 'no extension'})` : known!.username;
  const now = directory.get(id);
  if (o.match.by === 'upn' && now) {
    return {
      code: 'override-stale-upn',
      message: `${entry} matches no directory user: it named ${name}, whose UPN is now ${now.userPrincipalName}; its overrides no longer apply to that account`,
      hint: `key the entry by object id, which survives renames: ${id}`,
    };
  }
  return {
    code: 'override-matches-nobody',
    message: `${entry} matches no directory user: it named ${name}, who is no longer in the directory`,
    hint: 'remove the entry, or keep it for when the user comes back',
  };
}

function accountWithUpn(current: CurrentTenant, upn: string): string | undefined {
  for (const [id, acc] of current.accounts) if (acc.view.upn.toLowerCase() === upn) return id;
  return undefined;
}
