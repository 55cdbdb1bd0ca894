/**
 * The lines a subscriber change shows, derived from its typed data for every renderer alike:
 * the username, the extension list, each attribute set or removed, and the credential
 * decision (new passwords as `(sensitive)`, a rewrite with the same passwords as such).
 */
import type { AccountView, AttributeChange, CredentialPlan, CredentialReason, SubscriberChange } from '../model/plan.js';
import { META } from '../model/subscriber-fields.js';

export interface FieldLine {
  readonly field: string;
  readonly before: string | null;
  readonly after: string | null;
  /** The values stand for secrets: shown as `(sensitive)`. */
  readonly sensitive: boolean;
  /** A remark instead of before → after (e.g. "rewritten, same passwords"). */
  readonly note?: string;
}

// A new account's heading already names these; listing them again is noise.
const HIDDEN_ON_CREATE = new Set<string>([META.managed, META.status, META.generation, META.displayName, META.upn]);
const HIDDEN = new Set<string>([META.managed]);

const REASON_TEXT: Readonly<Record<CredentialReason, string>> = {
  'new-account': 'new account',
  restored: 'restored from the record',
  generation: 'new generation',
  rekey: 'new master key',
  username: 'the username changed',
  reenable: 'the user is back',
  'missing-row': 'the subscriber row was missing',
  'hash-mismatch': 'the stored hashes did not match',
  'plaintext-setting': 'credentials.store_plaintext changed',
  domain: 'the domain changed',
  'missing-softphone-hash': 'the softphone hash was missing',
};

export function reasonText(reasons: readonly CredentialReason[]): string {
  return reasons.map((r) => REASON_TEXT[r]).join(', ');
}

export function changeFields(change: SubscriberChange): FieldLine[] {
  switch (change.kind) {
    case 'create':
      return [...createFields(change.after), ...credentialLines(change.credentials)];
    case 'update': {
      const lines: FieldLine[] = [];
      if (change.username) lines.push(plain('username', change.username.before, change.username.after));
      if (change.extensions) lines.push(plain('extension', joined(change.extensions.before), joined(change.extensions.after)));
      for (const a of change.attributes) if (!HIDDEN.has(a.attribute)) lines.push(...attributeLines(a));
      return [...lines, ...credentialLines(change.credentials)];
    }
    case 'disable':
    case 'delete':
      return [];
  }
}

function createFields(account: AccountView): FieldLine[] {
  return Object.entries(account.preferences)
    .filter(([attr]) => !HIDDEN_ON_CREATE.has(attr))
    .map(([field, p]) => plain(field, null, p.value));
}

function attributeLines(a: AttributeChange): FieldLine[] {
  if (a.before && a.after && a.before.value === a.after.value) return [plain(`${a.attribute} (type)`, String(a.before.type), String(a.after.type))];
  return [plain(a.attribute, a.before?.value ?? null, a.after?.value ?? null)];
}

function credentialLines(c: CredentialPlan): FieldLine[] {
  if (c.newPasswords) {
    return [
      { field: 'sip_password', before: null, after: null, sensitive: true },
      { field: 'softphone_password', before: null, after: null, sensitive: true },
    ];
  }
  if (!c.writeSubscriber && !c.writeSoftphoneHash) return [];
  return [{ field: 'credentials', before: null, after: null, sensitive: false, note: `rewritten, passwords unchanged (${reasonText(c.reasons)})` }];
}

function plain(field: string, before: string | null, after: string | null): FieldLine {
  return { field, before, after, sensitive: false };
}

function joined(list: readonly string[]): string | null {
  return list.length === 0 ? null : list.join(', ');
}
