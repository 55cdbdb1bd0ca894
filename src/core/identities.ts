/**
 * Usernames and extensions for every in-scope user. What an account already has (in the PBX,
 * or remembered in the state store for a rebuild) sticks; pins from the file win; new users
 * get the lowest free values in a stable order.
 */
import type { DirectoryUser } from '../model/directory-user.js';
import { primaryExtension } from '../model/plan.js';
import type { StoredTenantState } from '../model/stored-state.js';
import type { TenantConfig, UserOverride } from '../model/tenant-config.js';
import type { CurrentTenant } from './current-accounts.js';
import type { WrittenIdentity } from './identity-drift.js';
import { ExtensionPool, compareExtensions, isReserved } from './extension-pool.js';
import { compareUsers } from './scope.js';
import { baseUsername, uniqueUsername } from './username.js';

interface Identity {
  readonly username: string;
  readonly extension: string;
  /** The user takes over a foreign subscriber row of that username (`adopt: true`). */
  readonly adopts: boolean;
}

export interface IdentityInput {
  readonly config: TenantConfig;
  readonly users: readonly DirectoryUser[]; // in scope, exclusions removed
  readonly overrides: ReadonlyMap<string, UserOverride>;
  readonly current: CurrentTenant;
  /** The tenant's record, state store and PBX merged (see `record.ts`). */
  readonly record: StoredTenantState;
  /** Accounts whose username or aliases were changed outside pbxsync: these are set back (see `identity-drift.ts`). */
  readonly written?: ReadonlyMap<string, WrittenIdentity>;
}

export interface IdentityResult {
  readonly identities: ReadonlyMap<string, Identity>;
  /** Extensions given up by users renumbered through a pin. */
  readonly released: readonly string[];
  readonly errors: readonly string[];
}

/** What each object id had before this plan: what pbxsync wrote where the rows were changed by hand, its PBX rows, then the record. */
function known(input: IdentityInput, id: string): { username?: string; extension?: string } {
  const written = input.written?.get(id);
  if (written) return { username: written.username, extension: written.extensions[0] };
  const cur = input.current.accounts.get(id);
  const st = input.record.accounts[id];
  const recorded = st && st.status !== 'deleted' ? st.extensions[0] : undefined;
  return {
    username: cur?.view.username ?? st?.username,
    extension: (cur ? primaryExtension(cur.view) || undefined : undefined) ?? recorded,
  };
}

export function assignIdentities(input: IdentityInput): IdentityResult {
  const errors: string[] = [];
  const users = [...input.users].sort(compareUsers);
  const usernames = assignUsernames(input, users, errors);
  const { extensions, released } = assignExtensions(input, users, errors);
  const identities = new Map<string, Identity>();
  for (const u of users) {
    const name = usernames.get(u.id)!;
    identities.set(u.id, { username: name.username, extension: extensions.get(u.id) ?? '', adopts: name.adopts });
  }
  return { identities, released, errors };
}

function assignUsernames(input: IdentityInput, users: readonly DirectoryUser[], errors: string[]) {
  const owner = new Map<string, string>(); // username → object id holding it
  for (const [id, acc] of input.current.accounts) owner.set(acc.view.username, id);
  for (const [id, st] of Object.entries(input.record.accounts)) if (!owner.has(st.username)) owner.set(st.username, id);
  const foreign = new Set(input.current.foreignSubscribers);
  const result = new Map<string, { username: string; adopts: boolean }>();
  const fresh: DirectoryUser[] = [];
  for (const u of users) {
    const wanted = input.overrides.get(u.id)?.username ?? known(input, u.id).username;
    if (wanted === undefined) fresh.push(u);
    else if (owner.has(wanted) && owner.get(wanted) !== u.id) {
      errors.push(`username '${wanted}' for ${u.userPrincipalName} is already held by another account (${owner.get(wanted)})`);
    } else if (foreign.has(wanted)) {
      errors.push(`username '${wanted}' for ${u.userPrincipalName} belongs to a subscriber pbxsync did not create`);
    } else {
      owner.set(wanted, u.id);
      result.set(u.id, { username: wanted, adopts: false });
    }
  }
  for (const u of fresh) {
    const base = baseUsername(u.userPrincipalName);
    const adopts = input.overrides.get(u.id)?.adopt === true && foreign.has(base) && !owner.has(base);
    const username = adopts ? base : uniqueUsername(base, (n) => owner.has(n) || foreign.has(n));
    owner.set(username, u.id);
    result.set(u.id, { username, adopts });
  }
  for (const u of users) if (!result.has(u.id)) result.set(u.id, { username: baseUsername(u.userPrincipalName), adopts: false });
  return result;
}

function assignExtensions(input: IdentityInput, users: readonly DirectoryUser[], errors: string[]) {
  const { config, current, record } = input;
  const holder = new Map<string, string>(); // extension → object id
  for (const [id, acc] of current.accounts) for (const e of acc.view.extensions) holder.set(e, id);
  for (const [id, st] of Object.entries(record.accounts)) {
    if (st.status === 'deleted') continue;
    for (const e of st.extensions) if (!holder.has(e)) holder.set(e, id);
  }
  const retired = new Set(config.extensions.reuse === 'never' ? record.retired : []);
  const result = new Map<string, string>();
  const released: string[] = [];
  const pins = new Map<string, string>(); // object id → pinned extension
  for (const u of users) {
    const pin = input.overrides.get(u.id)?.extension;
    if (pin !== undefined) pins.set(u.id, String(pin));
  }
  for (const u of users) {
    const had = known(input, u.id).extension;
    const ext = pins.get(u.id);
    if (ext === undefined) {
      if (had !== undefined) result.set(u.id, had);
      continue;
    }
    const problem = pinProblem(input, ext, u.id, holder, retired, pins);
    if (problem) errors.push(`extension ${ext} pinned for ${u.userPrincipalName} ${problem}`);
    result.set(u.id, ext);
    if (had !== undefined && had !== ext) released.push(had);
  }
  const unavailable = new Set<string>([...holder.keys(), ...retired, ...released, ...current.foreignAliases.keys()]);
  for (const ext of result.values()) unavailable.add(ext);
  const pool = new ExtensionPool(config.extensions.start, config.extensions.end, config.extensions.reserved, unavailable);
  const without: string[] = [];
  for (const u of users) {
    if (result.has(u.id)) continue;
    const ext = pool.take();
    if (ext === null) without.push(u.userPrincipalName);
    result.set(u.id, ext ?? '');
  }
  if (without.length > 0) errors.push(exhausted(config, without));
  return { extensions: result, released: released.sort(compareExtensions) };
}

function pinProblem(
  input: IdentityInput,
  ext: string,
  id: string,
  holder: ReadonlyMap<string, string>,
  retired: ReadonlySet<string>,
  pins: ReadonlyMap<string, string>,
): string | null {
  const n = Number(ext);
  const { start, end, reserved } = input.config.extensions;
  if (n < start || (end !== undefined && n > end)) return `lies outside the range ${rangeText(input.config)}`;
  if (isReserved(n, reserved)) return 'is reserved';
  const foreign = input.current.foreignAliases.get(ext);
  if (foreign !== undefined) return `is used by '${foreign}', which pbxsync did not create`;
  const other = holder.get(ext);
  // Taking a number from someone is fine only when the file moves that someone elsewhere.
  if (other !== undefined && other !== id && (pins.get(other) ?? ext) === ext) {
    return `is held by another account (${other}); pin that user to another number first`;
  }
  if (other === undefined && retired.has(ext)) return 'belonged to a deleted user and the tenant does not allow reuse';
  return null;
}

/** One problem for all the users the range has no number for, however many they are. */
function exhausted(config: TenantConfig, upns: readonly string[]): string {
  const who = upns.length === 1 ? upns[0]! : `${upns.length} users (${upns.slice(0, 3).join(', ')}${upns.length > 3 ? ', …' : ''})`;
  return `no free extension left for ${who}: the range ${rangeText(config)} is exhausted`;
}

function rangeText(config: TenantConfig): string {
  return `${config.extensions.start}–${config.extensions.end ?? '∞'}`;
}
