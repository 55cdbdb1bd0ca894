/**
 * The one place that decides what an apply writes of an account's credentials: row writes,
 * hashing and the renderers all read the decision from the change. Passwords derive from
 * (master key, tenant, object id, generation): a rename or a returning leaver keeps them,
 * only a new generation or a new master key changes them.
 */
import type { AccountView, CredentialPlan, CredentialReason } from '../model/plan.js';
import type { CredentialCheck } from './credential-check.js';
import type { CurrentAccount } from './current-accounts.js';

export interface CredentialContext {
  /** The tenant moves to another master key on purpose: every password changes. */
  readonly rekey: boolean;
  /** `credentials.store_plaintext` of the tenant file. */
  readonly storePlaintext: boolean;
  /**
   * The tenant moves to another domain: every subscriber row is rewritten by the move (its
   * ha1/ha1b contain the domain), so a row that does not match the new domain is expected.
   */
  readonly moving?: boolean;
}

export function decideCredentials(cur: CurrentAccount, after: AccountView, creds: CredentialCheck, ctx: CredentialContext): CredentialPlan {
  const reasons: CredentialReason[] = [];
  if (cur.view.generation !== after.generation) reasons.push('generation');
  if (ctx.rekey) reasons.push('rekey');
  const newPasswords = reasons.length > 0;
  const row = cur.subscriber;
  if (row === null) reasons.push(cur.view.status === 'disabled' ? 'reenable' : 'missing-row');
  else if (cur.view.username !== after.username) reasons.push('username');
  else if (!newPasswords && !ctx.moving && !creds.matches(after, row)) reasons.push('hash-mismatch');
  else if (!newPasswords && row.hasPlaintext !== ctx.storePlaintext) reasons.push('plaintext-setting');
  const writeSubscriber = reasons.length > 0;
  const writeSoftphoneHash = newPasswords || !cur.hasSoftphoneHash;
  if (!newPasswords && !cur.hasSoftphoneHash) reasons.push('missing-softphone-hash');
  return { newPasswords, writeSubscriber, writeSoftphoneHash, reasons };
}
