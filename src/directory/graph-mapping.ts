/**
 * Mapping of Microsoft Graph JSON resources (`user`, `domain`) to pbxsync's types. Shared by
 * the snapshot source and the live Graph source, so both read a user the same way. The
 * functions never throw: they return a problem in words, and the caller says where it was.
 */
import type { DirectoryUser } from '../model/directory-user.js';

export type Mapped<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

type Json = Record<string, unknown>;

const OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isJsonObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A Graph `user` as a `DirectoryUser`. Missing optional properties become null, a missing
 * `accountEnabled` counts as enabled and a missing `userType` as 'Member' (Graph omits both
 * for some older accounts). A missing `displayName` (not selected) falls back to the UPN so
 * that sorting and the spreadsheet still have a name. Properties pbxsync does not read are
 * ignored.
 */
export function mapGraphUser(raw: unknown): Mapped<DirectoryUser> {
  return mapped(() => {
    const obj = asObject(raw);
    const id = requiredString(obj, 'id').toLowerCase();
    // Object ids are GUIDs; anything else (`__proto__`, a path) is refused, never used as a key.
    if (!OBJECT_ID.test(id)) throw new ShapeProblem('has an "id" that is not a directory object id (a GUID)');
    const upn = requiredString(obj, 'userPrincipalName');
    if (!/^[^@]+@[^@]+$/.test(upn)) throw new ShapeProblem(`userPrincipalName ${JSON.stringify(upn)} is not name@domain`);
    return {
      id,
      userPrincipalName: upn,
      displayName: optionalString(obj, 'displayName') ?? upn,
      mail: optionalString(obj, 'mail'),
      accountEnabled: optionalBoolean(obj, 'accountEnabled') ?? true,
      userType: optionalString(obj, 'userType') ?? 'Member',
      department: optionalString(obj, 'department'),
      givenName: optionalString(obj, 'givenName'),
      surname: optionalString(obj, 'surname'),
    };
  });
}

export interface GraphDomain {
  /** Lower case. */
  readonly id: string;
  readonly isVerified: boolean;
}

/** A Graph `domain` (`{ "id": "acme.com", "isVerified": true, ... }`); missing isVerified = false. */
export function mapGraphDomain(raw: unknown): Mapped<GraphDomain> {
  return mapped(() => {
    const obj = asObject(raw);
    return { id: requiredString(obj, 'id').toLowerCase(), isVerified: optionalBoolean(obj, 'isVerified') ?? false };
  });
}

/** The Graph user as written to a snapshot: the properties `DirectoryUser` carries. */
export function toGraphUser(user: DirectoryUser): Json {
  return {
    id: user.id,
    userPrincipalName: user.userPrincipalName,
    displayName: user.displayName,
    mail: user.mail,
    accountEnabled: user.accountEnabled,
    userType: user.userType,
    department: user.department,
    givenName: user.givenName ?? null,
    surname: user.surname ?? null,
  };
}

/** Thrown inside this module only; turned into `{ ok: false }` by `mapped`. */
class ShapeProblem extends Error {}

function mapped<T>(read: () => T): Mapped<T> {
  try {
    return { ok: true, value: read() };
  } catch (error) {
    if (error instanceof ShapeProblem) return { ok: false, problem: error.message };
    throw error;
  }
}

function asObject(raw: unknown): Json {
  if (!isJsonObject(raw)) throw new ShapeProblem(`is ${describe(raw)}, not an object`);
  return raw;
}

function requiredString(obj: Json, key: string): string {
  const v = obj[key];
  if (v === undefined || v === null || v === '') throw new ShapeProblem(`has no "${key}"`);
  if (typeof v !== 'string') throw new ShapeProblem(`"${key}" is ${describe(v)}, not a string`);
  return v;
}

function optionalString(obj: Json, key: string): string | null {
  const v = obj[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw new ShapeProblem(`"${key}" is ${describe(v)}, not a string`);
  return v;
}

function optionalBoolean(obj: Json, key: string): boolean | null {
  const v = obj[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'boolean') throw new ShapeProblem(`"${key}" is ${describe(v)}, not true or false`);
  return v;
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  const text = typeof v === 'bigint' ? String(v) : (JSON.stringify(v) ?? typeof v);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
