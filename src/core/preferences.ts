/** The usr_preferences an account gets: pbxsync's own markers plus defaults merged with overrides. */
import type { DirectoryUser } from '../model/directory-user.js';
import type { AccountView, Preference } from '../model/plan.js';
import type { FieldValues, TenantConfig, UserOverride } from '../model/tenant-config.js';
import { META, PREFERENCE_FIELDS, PREFERENCE_VALUE_MAX, type PreferenceType } from '../model/subscriber-fields.js';

type Prefs = Record<string, Preference>;

function preferenceValue(value: string | number | boolean): string {
  if (typeof value === 'boolean') return value ? '1' : '0';
  return String(value);
}

/**
 * `text` cut to `max` code points (never inside a surrogate pair: a lone half would be stored
 * as something else and the account would differ on every plan), and whether it was cut.
 */
function cutToCodePoints(text: string, max: number): { text: string; cut: boolean } {
  if (text.length <= max) return { text, cut: false };
  const points = Array.from(text);
  if (points.length <= max) return { text, cut: false };
  return { text: points.slice(0, max).join(''), cut: true };
}

export interface BuiltPreferences {
  readonly preferences: Prefs;
  /** Attributes whose value was longer than Kamailio's column and was cut. */
  readonly truncated: readonly string[];
}

export function buildPreferences(
  config: TenantConfig,
  user: DirectoryUser,
  override: UserOverride | undefined,
  status: AccountView['status'],
  generation: number,
): BuiltPreferences {
  const prefs: Prefs = {};
  const truncated: string[] = [];
  const put = (attribute: string, type: PreferenceType, value: string | null | undefined): void => {
    if (value === null || value === undefined || value === '') return;
    const { text, cut } = cutToCodePoints(value, PREFERENCE_VALUE_MAX);
    if (cut) truncated.push(attribute);
    prefs[attribute] = { type, value: text };
  };
  put(META.managed, 0, config.name);
  put(META.status, 0, status);
  put(META.displayName, 0, user.displayName);
  put(META.upn, 0, user.userPrincipalName);
  put(META.email, 0, override?.email ?? user.mail);
  put(META.department, 0, user.department);
  put(META.generation, 1, String(generation));
  const merged: FieldValues = { ...config.defaults, ...(override?.fields ?? {}) };
  for (const field of PREFERENCE_FIELDS) {
    const value = merged[field.key];
    if (value !== undefined) put(field.attribute, field.type, preferenceValue(value));
  }
  return { preferences: sortKeys(prefs), truncated };
}

/** The preferences of an account restored from the record alone (no directory data). */
export function restoredPreferences(config: TenantConfig, status: AccountView['status'], generation: number): Prefs {
  return sortKeys({
    [META.managed]: { type: 0, value: config.name },
    [META.status]: { type: 0, value: status },
    [META.generation]: { type: 1, value: String(generation) },
  });
}

export function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
