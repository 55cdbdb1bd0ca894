/**
 * Compares the accounts in the PBX (and those the record restores) with the desired ones and
 * lists the changes as typed data: username, extension lists, attributes set or removed, and
 * one credential decision per account. Credentials are compared through a
 * `CredentialCheck`, never carried.
 */
import {
  CREDENTIAL_DRIFT_REASONS,
  type AccountView,
  type AttributeChange,
  type CredentialPlan,
  type AccountPart,
  type SubscriberChange,
  type UpdateCause,
} from '../model/plan.js';
import { META, MANAGED_ATTRIBUTES } from '../model/subscriber-fields.js';
import type { CredentialCheck } from './credential-check.js';
import { decideCredentials, type CredentialContext } from './credential-decision.js';
import type { CurrentAccount, CurrentTenant } from './current-accounts.js';
import type { DesiredTenant } from './desired.js';
import { identityDigest, settingsDigest, withWritten, writtenDigest } from './written-digest.js';

export function diffAccounts(current: CurrentTenant, want: DesiredTenant, creds: CredentialCheck, ctx: CredentialContext): SubscriberChange[] {
  const changes: SubscriberChange[] = [];
  for (const [id, wanted] of want.accounts) {
    const after = withWritten(wanted);
    const cur = current.accounts.get(id);
    if (cur) {
      const change = compareAccount(cur, after, creds, ctx);
      if (change) changes.push(change);
    } else {
      changes.push(createChange(after, want, ctx));
    }
  }
  for (const [id, cur] of current.accounts) {
    if (!want.accounts.has(id)) changes.push({ kind: 'delete', entity: 'subscriber', before: cur.view });
  }
  for (const [id, ghost] of want.ghosts) {
    if (!want.accounts.has(id)) changes.push({ kind: 'delete', entity: 'subscriber', before: ghost });
  }
  return changes;
}

function createChange(after: AccountView, want: DesiredTenant, ctx: CredentialContext): SubscriberChange {
  const restored = want.ghosts.has(after.objectId);
  const adopts = want.adoptions.get(after.username) === after.objectId;
  if (after.status === 'disabled') {
    return {
      kind: 'create',
      entity: 'subscriber',
      after,
      adopts: false,
      credentials: { newPasswords: false, writeSubscriber: false, writeSoftphoneHash: false, reasons: ['restored'] },
    };
  }
  const newPasswords = !restored || ctx.rekey;
  const reasons = restored ? (ctx.rekey ? (['restored', 'rekey'] as const) : (['restored'] as const)) : (['new-account'] as const);
  return {
    kind: 'create',
    entity: 'subscriber',
    after,
    adopts,
    credentials: { newPasswords, writeSubscriber: true, writeSoftphoneHash: true, reasons: [...reasons] },
  };
}

function compareAccount(cur: CurrentAccount, after: AccountView, creds: CredentialCheck, ctx: CredentialContext): SubscriberChange | null {
  const before = cur.view;
  if (after.status === 'disabled') {
    return before.status === 'active' || cur.subscriber !== null ? { kind: 'disable', entity: 'subscriber', before, after } : null;
  }
  const username = before.username === after.username ? null : { before: before.username, after: after.username };
  const extensions = sameList(before.extensions, after.extensions) ? null : { before: before.extensions, after: after.extensions };
  const attributes = attributeChanges(before, after);
  const credentials = decideCredentials(cur, after, creds, ctx);
  const changed = username || extensions || attributes.length > 0 || credentials.writeSubscriber || credentials.writeSoftphoneHash;
  if (!changed) return null;
  const cause = updateCause(before, after, { identity: username !== null || extensions !== null, settings: attributes.length > 0 }, credentials);
  return { kind: 'update', entity: 'subscriber', before, after, username, extensions, attributes, credentials, cause };
}

/**
 * A part of the rows drifted when it differs from what pbxsync last wrote (its digest); it is
 * asked for when the wanted rows differ from that too, or when there is no digest (an account
 * written by an older pbxsync). Credentials drift when their rows were changed or removed.
 */
function updateCause(before: AccountView, after: AccountView, differs: { identity: boolean; settings: boolean }, credentials: CredentialPlan): UpdateCause {
  const requested: AccountPart[] = [];
  const drift: AccountPart[] = [];
  const written = writtenDigest(before);
  const parts = [['identity', differs.identity, identityDigest] as const, ['settings', differs.settings, settingsDigest] as const];
  for (const [part, differ, digestOf] of parts) {
    if (!differ) continue;
    if (written === null || digestOf(after) !== written[part]) requested.push(part);
    if (written !== null && digestOf(before) !== written[part]) drift.push(part);
  }
  // A username set back rewrites ha1/ha1b (they contain it): part of the set-back, not asked for.
  const identitySetBack = drift.includes('identity') && !requested.includes('identity');
  if (credentials.reasons.some((r) => !CREDENTIAL_DRIFT_REASONS.has(r) && !(r === 'username' && identitySetBack))) requested.push('credentials');
  if (credentials.reasons.some((r) => CREDENTIAL_DRIFT_REASONS.has(r))) drift.push('credentials');
  return { requested, drift };
}

/**
 * Every managed attribute whose value or type differs, in attribute order. Attributes pbxsync
 * does not manage are someone else's and never listed (so never changed); its own digest is
 * written along with the changes, not listed either.
 */
function attributeChanges(before: AccountView, after: AccountView): AttributeChange[] {
  const names = [...new Set([...Object.keys(before.preferences), ...Object.keys(after.preferences)])]
    .filter((a) => a !== META.written && MANAGED_ATTRIBUTES.has(a))
    .sort();
  const changes: AttributeChange[] = [];
  for (const attribute of names) {
    const b = before.preferences[attribute] ?? null;
    const a = after.preferences[attribute] ?? null;
    if (b?.value === a?.value && b?.type === a?.type) continue;
    changes.push({ attribute, before: b, after: a });
  }
  return changes;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
