/**
 * Incremental reads with Graph delta queries (`/users/delta`). The delta link and the users
 * it stands for are cached together (in the state store), so that a re-read with nothing
 * changed is one Graph request. Changed users are merged into the cached ones (Graph may
 * send only the changed properties); `@removed` users (soft- or hard-deleted) are dropped and
 * so become leavers. A cached link Graph will not take any more restarts with a full delta
 * read, with a notice: an expired or reset token (410 Gone, `syncStateNotFound`,
 * `resyncRequired`), or a stale or garbled one that Graph refuses with 400 or 404. The full
 * read's new link then replaces the bad one, so no run after it trips over it again.
 */
import type { DirectoryUser } from '../../model/directory-user.js';
import { isJsonObject, toGraphUser } from '../graph-mapping.js';
import { GraphHttpError, type GraphApi } from './graph-api.js';
import { toUser, USER_SELECT } from './directory-reads.js';

type RawUser = Record<string, unknown>;

/** What is cached between runs; `identity` ties it to the directory and the fields read. */
export interface DeltaCache {
  readonly version: 1;
  readonly identity: string;
  readonly deltaLink: string;
  /** Graph users (the selected properties), by object id. */
  readonly users: Readonly<Record<string, RawUser>>;
}

const RESYNC_CODES = new Set(['syncstatenotfound', 'resyncrequired', 'syncstateinvalid']);

export interface DeltaResult {
  readonly users: DirectoryUser[];
  readonly cache: DeltaCache;
  /** True when the cached delta link was used (an incremental read). */
  readonly incremental: boolean;
}

export async function deltaSync(
  api: GraphApi,
  cached: unknown,
  identity: string,
  notice: (message: string) => void,
  onPage: (count: number) => void,
): Promise<DeltaResult> {
  const usable = isDeltaCache(cached) && cached.identity === identity ? cached : undefined;
  if (usable) {
    try {
      return finish(await follow(api, usable.deltaLink, usable.users, onPage), identity, true);
    } catch (err) {
      const why = linkRefused(err);
      if (why === undefined) throw err;
      notice(`notice: ${why}; reading every user again`);
    }
  }
  return finish(await follow(api, `/users/delta?$select=${USER_SELECT}`, {}, onPage), identity, false);
}

/** Pages through a delta query from `start`, applied to a copy of `base`. */
async function follow(api: GraphApi, start: string, base: Readonly<Record<string, RawUser>>, onPage: (n: number) => void) {
  // No prototype: ids are keys here, and an id such as `__proto__` must stay a plain key.
  const users: Record<string, RawUser> = Object.assign(Object.create(null) as Record<string, RawUser>, base);
  let deltaLink: string | undefined;
  let count = Object.keys(users).length;
  for await (const page of api.pages(start)) {
    for (const entry of page.value as unknown[]) {
      if (!isJsonObject(entry) || typeof entry.id !== 'string') throw new Error('Graph returned a delta entry without an id');
      const known = Object.hasOwn(users, entry.id);
      if (entry['@removed'] !== undefined) {
        if (known) count--;
        delete users[entry.id];
      } else {
        if (!known) count++;
        users[entry.id] = { ...users[entry.id], ...withoutAnnotations(entry) };
      }
    }
    onPage(count);
    if (typeof page['@odata.deltaLink'] === 'string') deltaLink = page['@odata.deltaLink'];
  }
  if (deltaLink === undefined) throw new Error('Graph ended a delta query without an @odata.deltaLink');
  return { users, deltaLink };
}

function finish(read: { users: Record<string, RawUser>; deltaLink: string }, identity: string, incremental: boolean): DeltaResult {
  const users = Object.values(read.users).map(toUser);
  // Cache the mapped shape: the same fields whatever extra properties Graph sent.
  const cachedUsers = Object.fromEntries(users.map((u) => [u.id, toGraphUser(u)]));
  return { users, incremental, cache: { version: 1, identity, deltaLink: read.deltaLink, users: cachedUsers } };
}

function withoutAnnotations(entry: RawUser): RawUser {
  return Object.fromEntries(Object.entries(entry).filter(([k]) => !k.startsWith('@') && !k.includes('@odata.')));
}

/**
 * Why Graph will not continue from the cached link, or undefined when the failure is not about
 * the link: consent (401/403) and unreachable or throttled hosts are `UserError`s other than
 * `GraphHttpError`, and a 5xx left after the retries is neither 400, 404 nor 410. Every page
 * of an incremental read descends from the cached token, so a refusal of any of them counts.
 */
function linkRefused(err: unknown): string | undefined {
  if (!(err instanceof GraphHttpError)) return undefined;
  if (err.status === 410 || RESYNC_CODES.has(err.code.toLowerCase())) return `the directory's delta token is no longer valid (${err.code || err.status})`;
  // Graph answers a stale or garbled $deltatoken/$skiptoken with 400 (codes vary) or 404.
  if (err.status === 400 || err.status === 404) return `Graph refused the cached delta link (${[err.status, err.code].filter(Boolean).join(' ')})`;
  return undefined;
}

function isDeltaCache(value: unknown): value is DeltaCache {
  return isJsonObject(value) && value.version === 1 && typeof value.identity === 'string' && typeof value.deltaLink === 'string' && isJsonObject(value.users);
}
