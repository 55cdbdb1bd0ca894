/**
 * The subscriber fields a tenant file can set as a default or per user, and how each one is
 * stored in Kamailio's `usr_preferences` table. This list is the one place that ties a
 * tenant-file key to a PBX attribute; schema, desired state, diff and spreadsheet read it.
 */
export type PreferenceType = 0 | 1; // Kamailio avpops: 0 = string value, 1 = integer value

export interface FieldSpec {
  /** Key in the tenant file (`defaults:` and `users:`). */
  readonly key: string;
  /** `usr_preferences.attribute` (Kamailio limits it to 32 characters). */
  readonly attribute: string;
  readonly type: PreferenceType;
}

export const PREFERENCE_FIELDS: readonly FieldSpec[] = [
  { key: 'voicemail_to_email', attribute: 'voicemail_to_email', type: 1 },
  { key: 'area_code', attribute: 'area_code', type: 0 },
  { key: 'caller_id', attribute: 'caller_id', type: 0 },
  { key: 'business_hours', attribute: 'business_hours', type: 0 },
  { key: 'visual_plan', attribute: 'visual_plan', type: 0 },
  { key: 'security_group', attribute: 'security_group', type: 0 },
  { key: 'language', attribute: 'language', type: 0 },
  { key: 'call_group', attribute: 'call_group', type: 0 },
  { key: 'pickup_group', attribute: 'pickup_group', type: 0 },
  { key: 'forward_always', attribute: 'forward_always', type: 0 },
  { key: 'forward_busy', attribute: 'forward_busy', type: 0 },
  { key: 'forward_no_answer', attribute: 'forward_no_answer', type: 0 },
  { key: 'max_concurrent_calls', attribute: 'max_concurrent_calls', type: 1 },
  { key: 'dial_timeout', attribute: 'dial_timeout', type: 1 },
];

/** Attributes pbxsync keeps for itself on every account it manages. */
export const META = {
  managed: 'pbxsync_managed', // value: tenant name; marks the account as created by pbxsync
  status: 'pbxsync_status', // 'active' | 'disabled'
  displayName: 'display_name',
  upn: 'upn',
  email: 'email',
  department: 'department',
  generation: 'pbxsync_generation', // credential generation the stored hashes were made from
  softphoneHash: 'softphone_password', // salted hash (see credentials/softphone-hash.ts), never plaintext
  written: 'pbxsync_written', // digest of the account's managed rows as pbxsync last wrote them (see core/written-digest.ts)
} as const;

/**
 * Every `usr_preferences` attribute pbxsync writes on an account (whether the file sets it or
 * not: one the file stops setting is removed). Rows of other attributes on an account's uuid
 * were made by someone else: pbxsync never changes or removes them.
 */
export const MANAGED_ATTRIBUTES: ReadonlySet<string> = new Set<string>([...Object.values(META), ...PREFERENCE_FIELDS.map((f) => f.attribute)]);

/** Kamailio 5.6 `usr_preferences.value` is VARCHAR(128). */
export const PREFERENCE_VALUE_MAX = 128;
