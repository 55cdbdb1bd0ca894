/**
 * A subscriber change as lines of a unified diff (for the ```diff block of the pull-request
 * comment): the account before and after, each as `field: value` lines, compared with the
 * `diff` package; its output lines (`+`, `-`) are what the block shows, under one `@@` line
 * naming the account. Unchanged fields are left out. Secrets show as `(sensitive)`. Every
 * value passes `terminalText`, so no line break or control character from the data gets in;
 * the caller fences the block so that no backtick run from the data can close it.
 */
import { structuredPatch } from 'diff';
import type { AccountView, CredentialPlan, SubscriberChange } from '../model/plan.js';
import { META } from '../model/subscriber-fields.js';
import { causeNote, reasonText } from './change-fields.js';
import { terminalText as t } from './safe-text.js';

// The `@@` line names the account; these would only repeat it, or are pbxsync's bookkeeping.
const HIDDEN = new Set<string>([META.managed, META.displayName, META.upn, META.written]);
// A new account's `@@` line says what these would (active, first generation, or its note).
const HIDDEN_ON_CREATE = new Set<string>([...HIDDEN, META.status, META.generation]);

const ACTION: Readonly<Record<SubscriberChange['kind'], string>> = { create: 'create', update: 'update', disable: 'disable', delete: 'delete' };

export function changeDiffLines(change: SubscriberChange): string[] {
  const account = change.kind === 'delete' ? change.before : change.after;
  const before = change.kind === 'create' ? [] : accountLines(change.before, HIDDEN);
  const after =
    change.kind === 'delete'
      ? []
      : [
          ...accountLines(change.after, change.kind === 'create' ? HIDDEN_ON_CREATE : HIDDEN),
          ...(change.kind === 'create' || change.kind === 'update' ? credentialLines(change.credentials) : []),
        ];
  const patch = structuredPatch('before', 'after', text(before), text(after), '', '', { context: 0 });
  const body = patch.hunks.flatMap((h) => h.lines).filter((l) => l.startsWith('+') || l.startsWith('-'));
  return [`@@ ${ACTION[change.kind]} ${heading(account)}${note(change)} @@`, ...body];
}

function text(lines: readonly string[]): string {
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

function heading(a: AccountView): string {
  const who = a.upn === '' ? '(known from the record only)' : `${t(a.displayName)} <${t(a.upn)}>`;
  return `${a.extensions.map(t).join(',') || '-'} ${t(a.username)}  ${who}`;
}

function note(change: SubscriberChange): string {
  switch (change.kind) {
    case 'create':
      if (change.after.status === 'disabled') return ' (restored as disabled from the record)';
      if (change.credentials.reasons.includes('restored')) return ' (restored from the record: same passwords)';
      return change.adopts ? ' (adopts the existing subscriber row)' : '';
    case 'update': {
      const notes = [change.before.status === 'disabled' ? 'back in scope' : null, causeNote(change.cause)].filter((n) => n !== null);
      return notes.length > 0 ? ` (${notes.join('; ')})` : '';
    }
    case 'disable':
      return ' (left the scope: cannot register, extension kept)';
    case 'delete':
      return ' (left the scope: removed)';
  }
}

function accountLines(a: AccountView, hidden: ReadonlySet<string>): string[] {
  const lines = [`  username: ${t(a.username)}`, `  extension: ${a.extensions.map(t).join(', ') || '(none)'}`];
  for (const [attr, p] of Object.entries(a.preferences)) if (!hidden.has(attr)) lines.push(`  ${t(attr)}: ${t(p.value)}`);
  return lines;
}

function credentialLines(c: CredentialPlan): string[] {
  if (c.newPasswords) return ['  sip_password: (sensitive)', '  softphone_password: (sensitive)'];
  if (!c.writeSubscriber && !c.writeSoftphoneHash) return [];
  return [`  credentials: rewritten, passwords unchanged (${reasonText(c.reasons)})`];
}

/** A fence no backtick run inside the block can close (CommonMark: a closing fence is at least as long). */
export function codeFence(lines: readonly string[]): string {
  const longest = Math.max(0, ...lines.flatMap((l) => Array.from(l.matchAll(/`+/g), (m) => m[0].length)));
  return '`'.repeat(Math.max(3, longest + 1));
}
