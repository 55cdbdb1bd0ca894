/**
 * Compares the accounts in the PBX (and those the record restores) with the desired ones and
 * lists the changes as typed data: username, extension lists, attributes set or removed, and
 * one credential decision per account. Credentials are compared through a
 * `CredentialCheck`, never carried.
 */
import type { AccountView, AttributeChange, SubscriberChange } from '../model/plan.js';
import type { CredentialCheck } from './credential-check.js';
import { decideCredentials, type CredentialContext } from './credential-decision.js';
import type { CurrentAccount, CurrentTenant } from './current-accounts.js';
import type { DesiredTenant } from './desired.js';

export function diffAccounts(current: CurrentTenant, want: DesiredTenant, creds: CredentialCheck, ctx: CredentialContext): SubscriberChange[] {
  const changes: SubscriberChange[] = [];
  for (const [id, after] of want.accounts) {
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
    return { kind: 'create', entity: 'subscriber', after, adopts: false, credentials: { newPasswords: false, writeSubscriber: false, writeSoftphoneHash: false, reasons: ['restored'] } };
  }
  const newPasswords = !restored || ctx.rekey;
  const reasons = restored ? (ctx.rekey ? (['restored', 'rekey'] as const) : (['restored'] as const)) : (['new-account'] as const);
  return { kind: 'create', entity: 'subscriber', after, adopts, credentials: { newPasswords, writeSubscriber: true, writeSoftphoneHash: true, reasons: [...reasons] } };
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
  return changed ? { kind: 'update', entity: 'subscriber', before, after, username, extensions, attributes, credentials } : null;
}

/** Every attribute whose value or type differs, in attribute order. */
export function attributeChanges(before: AccountView, after: AccountView): AttributeChange[] {
  const names = [...new Set([...Object.keys(before.preferences), ...Object.keys(after.preferences)])].sort();
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
