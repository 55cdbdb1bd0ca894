/**
 * What pbxsync last wrote of an account, kept as one more row of the account itself
 * (`usr_preferences` attribute `pbxsync_written`, value `i:<digest> s:<digest>`): a digest of
 * its identity (username and aliases) and one of its managed settings (every managed
 * attribute's type and value). It is written in the same transaction as the rows it
 * describes, so a plan can tell a hand edit in the PBX (the rows no longer match the digest)
 * from a change the tenant file or directory asks for (the wanted rows no longer match it).
 * Only labels depend on it: an account without one (written by an older pbxsync, or the row
 * was removed) is still set back, its changes are just not told apart. Pure.
 */
import { createHash } from 'node:crypto';
import type { AccountView, Preference } from '../model/plan.js';
import { META, MANAGED_ATTRIBUTES } from '../model/subscriber-fields.js';
import { canonicalJson } from './canonical-json.js';
import { sortKeys } from './preferences.js';

export interface WrittenDigest {
  readonly identity: string;
  readonly settings: string;
}

type Identity = Pick<AccountView, 'username' | 'extensions'>;

function digest(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 16);
}

export function identityDigest(account: Identity): string {
  return digest({ username: account.username, extensions: account.extensions });
}

/** Managed attributes only: rows someone else added to the account do not count. */
export function settingsDigest(account: Pick<AccountView, 'preferences'>): string {
  const managed: Record<string, Preference> = {};
  for (const [attribute, p] of Object.entries(account.preferences)) {
    if (attribute !== META.written && MANAGED_ATTRIBUTES.has(attribute)) managed[attribute] = { type: p.type, value: p.value };
  }
  return digest(managed);
}

function writtenValue(account: AccountView): string {
  return `i:${identityDigest(account)} s:${settingsDigest(account)}`;
}

/** The digest an account's rows carry, or null when there is none (or it cannot be read). */
export function writtenDigest(account: Pick<AccountView, 'preferences'>): WrittenDigest | null {
  const match = /^i:([0-9a-f]{16}) s:([0-9a-f]{16})$/.exec(account.preferences[META.written]?.value ?? '');
  return match ? { identity: match[1]!, settings: match[2]! } : null;
}

/** The account with the digest of itself, as an apply writes it. */
export function withWritten(account: AccountView): AccountView {
  return { ...account, preferences: sortKeys({ ...account.preferences, [META.written]: { type: 0, value: writtenValue(account) } }) };
}
