/**
 * Compares the accounts in the PBX with the desired ones and lists the changes, field by
 * field. Credentials are compared through a `CredentialCheck`, never carried.
 */
import type { AccountView, Change, FieldChange } from '../model/plan.js';
import type { CredentialCheck } from './credential-check.js';
import type { CurrentAccount, CurrentTenant } from './current-accounts.js';
import type { DesiredTenant } from './desired.js';

export function diffAccounts(current: CurrentTenant, want: DesiredTenant, creds: CredentialCheck): Change[] {
  const changes: Change[] = [];
  for (const [id, after] of want.accounts) {
    const cur = current.accounts.get(id);
    if (!cur) {
      if (after.status === 'active') {
        changes.push({ kind: 'create', entity: 'subscriber', after, adopts: want.adoptions.get(after.username) === id });
      }
      continue;
    }
    const change = compareAccount(cur, after, creds);
    if (change) changes.push(change);
  }
  for (const [id, cur] of current.accounts) {
    if (!want.accounts.has(id)) changes.push({ kind: 'delete', entity: 'subscriber', before: cur.view });
  }
  return changes;
}

function compareAccount(cur: CurrentAccount, after: AccountView, creds: CredentialCheck): Change | null {
  const before = cur.view;
  if (after.status === 'disabled') {
    return before.status === 'active' || cur.subscriber !== null ? { kind: 'disable', entity: 'subscriber', before, after } : null;
  }
  const rotate = needsNewCredentials(cur, after, creds);
  const fields = fieldChanges(cur, after);
  if (rotate) {
    fields.push({ field: 'sip_password', before: null, after: null, sensitive: true });
    fields.push({ field: 'softphone_password', before: null, after: null, sensitive: true });
  }
  return fields.length > 0 ? { kind: 'update', entity: 'subscriber', before, after, fields, rotate } : null;
}

function needsNewCredentials(cur: CurrentAccount, after: AccountView, creds: CredentialCheck): boolean {
  return (
    cur.subscriber === null ||
    !cur.hasSoftphoneHash ||
    cur.view.generation !== after.generation ||
    !creds.matches(after, cur.subscriber)
  );
}

function fieldChanges(cur: CurrentAccount, after: AccountView): FieldChange[] {
  const before = cur.view;
  const fields: FieldChange[] = [];
  const push = (field: string, b: string | null, a: string | null) => {
    if (b !== a) fields.push({ field, before: b, after: a, sensitive: false });
  };
  push('username', before.username, after.username);
  push('extension', cur.extensions.join(', ') || null, after.extension);
  const attributes = new Set([...Object.keys(before.preferences), ...Object.keys(after.preferences)]);
  for (const attr of [...attributes].sort()) {
    const b = before.preferences[attr];
    const a = after.preferences[attr];
    push(attr, b?.value ?? null, a?.value ?? null);
    if (b && a && b.value === a.value && b.type !== a.type) fields.push({ field: `${attr} (type)`, before: String(b.type), after: String(a.type), sensitive: false });
  }
  return fields;
}
