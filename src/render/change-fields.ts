/**
 * The lines a subscriber change shows, derived from its typed data for every renderer alike:
 * the username, the extension list, each attribute set or removed, and the credential
 * decision (new passwords as `(sensitive)`, a rewrite with the same passwords as such).
 */
import {
  CREDENTIAL_DRIFT_REASONS,
  type AccountView,
  type AttributeChange,
  type CredentialPlan,
  type CredentialReason,
  type AccountPart,
  type SubscriberChange,
  type UpdateCause,
} from '../model/plan.js';
import { META } from '../model/subscriber-fields.js';

export interface FieldLine {
  readonly field: string;
  readonly before: string | null;
  readonly after: string | null;
  /** The values stand for secrets: shown as `(sensitive)`. */
  readonly sensitive: boolean;
  /** A remark instead of before → after (e.g. "rewritten, same passwords"). */
  readonly note?: string;
  /** Changed outside pbxsync: `before` is the PBX's value, `after` the one set back. */
  readonly drift?: boolean;
}

/** The label of drift, the same in every renderer. */
export const DRIFT_LABEL = 'changed outside pbxsync';

/** What an update's heading says about its cause, or null for an update the file or directory asks for alone. */
export function causeNote(cause: UpdateCause): string | null {
  if (cause.drift.length === 0) return null;
  return cause.requested.length > 0 ? `partly ${DRIFT_LABEL}` : `${DRIFT_LABEL}: set back`;
}

// A new account's heading already names these; listing them again is noise.
const HIDDEN_ON_CREATE = new Set<string>([META.managed, META.status, META.generation, META.displayName, META.upn, META.written]);
const HIDDEN = new Set<string>([META.managed, META.written]);

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

// What of the credential rows was changed by hand (the values are secrets: never shown).
const DRIFT_TEXT: Readonly<Partial<Record<CredentialReason, string>>> = {
  'hash-mismatch': 'ha1/ha1b',
  'missing-row': 'subscriber row removed',
  'missing-softphone-hash': 'softphone hash removed',
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
      const identity = marked(lines, change.cause, 'identity');
      const settings = change.attributes.filter((a) => !HIDDEN.has(a.attribute)).flatMap(attributeLines);
      return [...identity, ...marked(settings, change.cause, 'settings'), ...credentialLines(change.credentials)];
    }
    case 'disable':
    case 'delete':
      return [];
  }
}

/** The lines of a part that is only set back are drift; where the file changes it too, which line is which is not known. */
function marked(lines: readonly FieldLine[], cause: UpdateCause, part: AccountPart): FieldLine[] {
  return cause.drift.includes(part) && !cause.requested.includes(part) ? lines.map((l) => ({ ...l, drift: true })) : [...lines];
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
  const drifted = c.reasons.filter((r) => CREDENTIAL_DRIFT_REASONS.has(r));
  const asked = c.reasons.filter((r) => !CREDENTIAL_DRIFT_REASONS.has(r));
  const lines: FieldLine[] = [];
  // A secret changed by hand shows as changed, never with its value.
  if (drifted.length > 0) {
    const what = drifted.map((r) => DRIFT_TEXT[r]).join(', ');
    lines.push({
      field: 'credentials',
      before: null,
      after: null,
      sensitive: false,
      drift: true,
      note: `${DRIFT_LABEL} (${what}): set back, passwords unchanged`,
    });
  }
  if (asked.length > 0)
    lines.push({ field: 'credentials', before: null, after: null, sensitive: false, note: `rewritten, passwords unchanged (${reasonText(asked)})` });
  return lines;
}

function plain(field: string, before: string | null, after: string | null): FieldLine {
  return { field, before, after, sensitive: false };
}

function joined(list: readonly string[]): string | null {
  return list.length === 0 ? null : list.join(', ');
}
