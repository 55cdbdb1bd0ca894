/** The usr_preferences an account gets: pbxsync's own markers plus defaults merged with overrides. */
import type { DirectoryUser } from '../model/directory-user.js';
import type { AccountView } from '../model/plan.js';
import type { FieldValues, TenantConfig, UserOverride } from '../model/tenant-config.js';
import { META, PREFERENCE_FIELDS, PREFERENCE_VALUE_MAX } from '../model/subscriber-fields.js';

type Prefs = Record<string, { type: number; value: string }>;

export function preferenceValue(value: string | number | boolean): string {
  if (typeof value === 'boolean') return value ? '1' : '0';
  return String(value);
}

function put(prefs: Prefs, attribute: string, type: number, value: string | null | undefined): void {
  if (value === null || value === undefined || value === '') return;
  prefs[attribute] = { type, value: value.slice(0, PREFERENCE_VALUE_MAX) };
}

export function buildPreferences(
  config: TenantConfig,
  user: DirectoryUser,
  override: UserOverride | undefined,
  status: AccountView['status'],
  generation: number,
): Prefs {
  const prefs: Prefs = {};
  put(prefs, META.managed, 0, config.name);
  put(prefs, META.status, 0, status);
  put(prefs, META.displayName, 0, user.displayName);
  put(prefs, META.upn, 0, user.userPrincipalName);
  put(prefs, META.email, 0, override?.email ?? user.mail);
  put(prefs, META.department, 0, user.department);
  put(prefs, META.generation, 1, String(generation));
  const merged: FieldValues = { ...config.defaults, ...(override?.fields ?? {}) };
  for (const field of PREFERENCE_FIELDS) {
    const value = merged[field.key];
    if (value !== undefined) put(prefs, field.attribute, field.type, preferenceValue(value));
  }
  return sortKeys(prefs);
}

export function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
