import type { PbxSubscriberRow } from '../model/pbx-state.js';
import type { AccountView } from '../model/plan.js';

/**
 * Tells the pure diff whether a subscriber row already holds the ha1/ha1b pbxsync would
 * write for an account. Implemented over the master key by `credentials/`; a deterministic
 * function, so the core stays pure and no secret enters the plan.
 */
export interface CredentialCheck {
  matches(account: AccountView, row: PbxSubscriberRow): boolean;
}
