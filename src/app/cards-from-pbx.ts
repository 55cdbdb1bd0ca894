/**
 * The setup cards as the PBX has them now, for `pbxsync cards FILE`: the tenant's managed,
 * active accounts read from its PBX rows (no directory read, no lock, nothing written to the
 * PBX or the state store), their credentials derived again from the master key, exactly as
 * the spreadsheet's. An account whose subscriber row does not hold what the key derives (an
 * apply is pending, or the row was changed by hand) gets no card: its card would not register.
 */
import { currentAccounts } from '../core/current-accounts.js';
import { CredentialDeriver } from '../credentials/credentials.js';
import { loadMasterKey } from '../credentials/master-key.js';
import { UserError } from '../errors.js';
import type { AccountView } from '../model/plan.js';
import type { TenantConfig } from '../model/tenant-config.js';
import { openTenantPbx } from './open-tenant-pbx.js';
import { loadIspPolicy } from '../policy/load-isp-config.js';
import { setupCards, type CardEntry } from '../cards/setup-cards.js';
import type { Logger } from './logger.js';

export async function cardsFromPbx(config: TenantConfig, env: NodeJS.ProcessEnv, log: Logger): Promise<CardEntry[]> {
  const key = loadMasterKey(env);
  const credentials = new CredentialDeriver(key.key, config.name, config.domain);
  const isp = await loadIspPolicy(env);
  const pbx = await openTenantPbx(config, isp, log);
  try {
    const state = await pbx.read(config.domain, config.name);
    if (!state.domain.exists) {
      throw new UserError(
        `tenant ${config.name} has no domain ${config.domain} in the PBX yet: there is nobody to make cards for`,
        `apply the tenant first: pbxsync apply ${config.file}`,
      );
    }
    const accounts: AccountView[] = [];
    let mismatched = 0;
    for (const acc of currentAccounts(state, config.name).accounts.values()) {
      if (acc.view.status !== 'active' || acc.subscriber === null) continue;
      if (credentials.matches(acc.view, acc.subscriber)) accounts.push(acc.view);
      else mismatched++;
    }
    if (mismatched > 0 && accounts.length === 0) {
      throw new UserError(
        `none of the ${mismatched} subscriber rows of tenant ${config.name} holds a password derived from this run's master key ${key.id}; no card was written`,
        "run with the tenant's master key (PBXSYNC_MASTER_KEY, or your backup of the key file)",
      );
    }
    if (mismatched > 0)
      log.warn(
        `warning: ${mismatched} account${mismatched === 1 ? '' : 's'} got no card: the PBX does not hold the password the master key derives (an apply is pending?); run pbxsync apply ${config.file}, then cards again`,
      );
    return setupCards(accounts, config, credentials, key.key, isp.acrobitsCloudId);
  } finally {
    await pbx.close();
  }
}
