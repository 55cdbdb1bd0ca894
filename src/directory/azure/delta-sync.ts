/**
 * Incremental reads with Graph delta queries (`/users/delta`). The delta link and the users
 * it stands for are cached together (in the state store), so that a re-read with nothing
 * changed is one Graph request, and writes nothing. Changed users are merged into the cached
 * ones (Graph may send only the changed properties); `@removed` users (soft- or hard-deleted)
 * are dropped and so become leavers. A cached link Graph will not take any more restarts with
 * a first read, with a notice: an expired or reset token (410 Gone, `syncStateNotFound`,
 * `resyncRequired`), or a stale or garbled one that Graph refuses with 400 or 404. The first
 * read's new link then replaces the bad one, so no run after it trips over it again.
 *
 * The first read costs what a plain read costs: it takes a link for "changes from now"
 * (`$deltatoken=latest`, which Graph answers with an empty page and a deltaLink), then reads
 * the users with `/users?$top=999` (delta pages are smaller: 100 users unless Graph takes the
 * `Prefer: odata.maxpagesize` sent with every delta request), and caches the two together.
 * The link is taken *before* the read on purpose: whatever changes while the read runs is
 * reported again by the next delta call (add, change or remove), and replaying it is
 * harmless, since merging a user twice gives the same user and an `@removed` of an id not
 * cached drops nothing. A link taken after the read would lose the changes made meanwhile.
 * When Graph does not answer `latest` that way (a 400, items, a nextLink), the first read
 * walks the whole delta query instead, as before.
 *
 * The cache records when it was saved. Graph keeps a directory delta token for seven days, so
 * an unchanged cache is still saved again (with the link of that call) once it is a day old.
 */
import type { DirectoryUser } from '../../model/directory-user.js';
import { isJsonObject, toGraphUser } from '../graph-mapping.js';
import { GraphHttpError, type GraphApi } from './graph-api.js';
import { readAllUsers, toUser, USER_SELECT } from './directory-reads.js';

type RawUser = Record<string, unknown>;

/** What is cached between runs; `identity` ties it to the directory and the fields read. */
export interface DeltaCache {
  readonly version: 1;
  readonly identity: string;
  readonly deltaLink: string;
  /** Graph users (the selected properties), by object id. */
  readonly users: Readonly<Record<string, RawUser>>;
  /**
   * When the cache was written (ISO 8601). Absent in caches written before pbxsync recorded it:
   * those count as old, so the next read saves them again.
   */
  readonly savedAt?: string;
}

/** An unchanged cache is saved again (with a fresh link) once it is this old. */
export const REFRESH_AFTER_MS = 24 * 60 * 60 * 1000;

/** Larger delta pages than Graph's default; Graph may cap the preference lower. */
const DELTA_HEADERS = { Prefer: 'odata.maxpagesize=999' } as const;

const RESYNC_CODES = new Set(['syncstatenotfound', 'resyncrequired', 'syncstateinvalid']);

export interface DeltaOptions {
  /** The directory and the fields read; a cache of another identity is not used. */
  readonly identity: string;
  readonly notice: (message: string) => void;
  /** Called after each page of users with the number known so far. */
  readonly onPage: (count: number) => void;
  /** Milliseconds since the epoch, when the read starts: `savedAt`, and the age of the cache. */
  readonly now: number;
}

export interface DeltaResult {
  readonly users: DirectoryUser[];
  readonly cache: DeltaCache;
  /** True when the cached delta link was used (an incremental read). */
  readonly incremental: boolean;
  /**
   * False when the store already holds what `cache` holds: an incremental read that Graph
   * answered with no change, from a cache saved less than `REFRESH_AFTER_MS` ago.
   */
  readonly save: boolean;
}

export async function deltaSync(api: GraphApi, cached: unknown, options: DeltaOptions): Promise<DeltaResult> {
  const usable = isDeltaCache(cached) && cached.identity === options.identity ? cached : undefined;
  if (usable) {
    try {
      const read = await follow(api, usable.deltaLink, usable.users, options.onPage);
      if (read.entries === 0 && !isOld(usable.savedAt, options.now)) {
        return { users: Object.values(usable.users).map(toUser), cache: usable, incremental: true, save: false };
      }
      return finish(Object.values(read.users).map(toUser), read.deltaLink, options, true);
    } catch (err) {
      const why = linkRefused(err);
      if (why === undefined) throw err;
      options.notice(`notice: ${why}; reading every user again`);
    }
  }
  const first = await firstRead(api, options.onPage);
  return finish(first.users, first.deltaLink, options, false);
}

/** Every user, and a delta link for what changes after: seeded and read with `/users`, or by walking the delta query. */
async function firstRead(api: GraphApi, onPage: (n: number) => void): Promise<{ users: DirectoryUser[]; deltaLink: string }> {
  const deltaLink = await latestDeltaLink(api);
  if (deltaLink === undefined) {
    const read = await follow(api, `/users/delta?$select=${USER_SELECT}`, {}, onPage);
    return { users: Object.values(read.users).map(toUser), deltaLink: read.deltaLink };
  }
  // By id: a user Graph lists on two pages is one user.
  const users = new Map((await readAllUsers(api, onPage)).map((u) => [u.id, u]));
  return { users: [...users.values()], deltaLink };
}

/**
 * `$deltatoken=latest`: a delta link that stands for "now", without enumerating the users.
 * Undefined when Graph answers anything but an empty last page (items or a nextLink: it
 * started a full enumeration instead; a 400: it does not take the parameter).
 */
async function latestDeltaLink(api: GraphApi): Promise<string | undefined> {
  let page: Record<string, unknown>;
  try {
    page = await api.get(`/users/delta?$select=${USER_SELECT}&$deltatoken=latest`, DELTA_HEADERS);
  } catch (err) {
    if (err instanceof GraphHttpError && err.status === 400) return undefined;
    throw err;
  }
  const link = page['@odata.deltaLink'];
  const empty = Array.isArray(page.value) && page.value.length === 0 && page['@odata.nextLink'] === undefined;
  return empty && typeof link === 'string' ? link : undefined;
}

/** Pages through a delta query from `start`, applied to a copy of `base`; `entries` counts what Graph reported. */
async function follow(api: GraphApi, start: string, base: Readonly<Record<string, RawUser>>, onPage: (n: number) => void) {
  // No prototype: ids are keys here, and an id such as `__proto__` must stay a plain key.
  const users: Record<string, RawUser> = Object.assign(Object.create(null) as Record<string, RawUser>, base);
  let deltaLink: string | undefined;
  let count = Object.keys(users).length;
  let entries = 0;
  for await (const page of api.pages(start, DELTA_HEADERS)) {
    for (const entry of page.value as unknown[]) {
      if (!isJsonObject(entry) || typeof entry.id !== 'string') throw new Error('Graph returned a delta entry without an id');
      entries++;
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
  return { users, deltaLink, entries };
}

function finish(users: DirectoryUser[], deltaLink: string, options: DeltaOptions, incremental: boolean): DeltaResult {
  // Cache the mapped shape: the same fields whatever extra properties Graph sent.
  const cachedUsers = Object.fromEntries(users.map((u) => [u.id, toGraphUser(u)]));
  const savedAt = new Date(options.now).toISOString();
  return { users, incremental, save: true, cache: { version: 1, identity: options.identity, deltaLink, users: cachedUsers, savedAt } };
}

/** A cache without a readable `savedAt`, or one from the future (a clock set back), counts as old. */
function isOld(savedAt: unknown, now: number): boolean {
  const at = typeof savedAt === 'string' ? Date.parse(savedAt) : NaN;
  return !(at <= now && now - at < REFRESH_AFTER_MS);
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
  // `savedAt` is not checked: an unreadable one only makes the cache count as old.
  return isJsonObject(value) && value.version === 1 && typeof value.identity === 'string' && typeof value.deltaLink === 'string' && isJsonObject(value.users);
}
