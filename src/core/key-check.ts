/**
 * Every password of a tenant derives from one master key, so a run with another key would
 * rotate them all. The tenant's record holds the key's one-way id; a run with another key
 * stops before anything is written, unless the tenant file asks for the move to the new key
 * (`credentials.key_id`), which is then planned as a rotation of every credential. Pure.
 */
import type { TenantConfig } from '../model/tenant-config.js';
import type { CredentialCheck } from './credential-check.js';
import type { CurrentTenant } from './current-accounts.js';
import { PlanError } from './plan-error.js';

export interface KeyVerdict {
  /** The tenant moves from `from` to the run's key: every password changes. */
  readonly rekey: { readonly from: string } | null;
}

const KEEP_HINT = "run with the tenant's master key (PBXSYNC_MASTER_KEY from the CI secret store, or your backup of the key file)";

export function checkKey(config: TenantConfig, recorded: string | null, keyId: string, current: CurrentTenant, creds: CredentialCheck): KeyVerdict {
  const wanted = config.credentials.keyId;
  if (wanted !== undefined && wanted !== keyId) {
    throw new PlanError([`the tenant file names master key ${wanted} (credentials.key_id), but this run has key ${keyId}; nothing was changed`], KEEP_HINT);
  }
  if (recorded === keyId) return { rekey: null };
  if (recorded !== null) {
    if (wanted === keyId) return { rekey: { from: recorded } };
    throw new PlanError(
      [`tenant ${config.name} was set up with master key ${recorded}, but this run has key ${keyId}; nothing was changed`],
      `${KEEP_HINT}. To move the tenant to this key on purpose, set credentials.key_id: ${keyId} in the tenant file: every password changes`,
    );
  }
  const unmatched = legacyRowsUnmatched(current, creds);
  if (unmatched === 0) return { rekey: null };
  if (wanted === keyId) return { rekey: { from: 'an unrecorded key' } };
  throw new PlanError(
    [`none of the ${unmatched} subscriber rows of tenant ${config.name} holds a password derived from this run's master key ${keyId}; nothing was changed`],
    `${KEEP_HINT}. If the tenant really should move to this key, set credentials.key_id: ${keyId} in the tenant file: every password changes`,
  );
}

/**
 * A tenant applied before key ids were recorded: when its subscriber rows exist and not one
 * of them holds what this key derives, this is almost surely another key. Returns how many
 * rows there are when none matches, else 0.
 */
function legacyRowsUnmatched(current: CurrentTenant, creds: CredentialCheck): number {
  let rows = 0;
  for (const acc of current.accounts.values()) {
    if (acc.subscriber === null) continue;
    if (creds.matches(acc.view, acc.subscriber)) return 0;
    rows++;
  }
  return rows;
}
