/**
 * The Graph endpoints pbxsync reads: /users, /users/delta, /groups, /groups/{id},
 * /groups/{id}/transitiveMembers[/microsoft.graph.user], /domains. Paging uses absolute https
 * nextLinks with an opaque `$skiptoken`; /users pages continue after the last object served (a
 * cursor), so a user added or removed meanwhile moves no other user across a page boundary.
 * Delta uses `$deltatoken` and reports removed users with `@removed`; `$deltatoken=latest`
 * answers an empty last page whose deltaLink means "changes from now" (Graph's "sync from
 * now" for directory objects), and `Prefer: odata.maxpagesize=N` sets the delta page size.
 */
import type { IncomingMessage } from 'node:http';
import type { EmulatedDirectory, GraphUser } from './directory-model.js';
import { decodeToken, encodeToken } from './http-util.js';
import { checkCount, link, ODataError, pageSize, project, requireAdvanced, selectedProperties } from './odata.js';

export interface GraphOptions {
  /** Page size of /users without `$top` (Graph: 100). */
  defaultPageSize: number;
  /** Largest page served whatever `$top` asks (Graph may return fewer items than `$top`). */
  maxPageSize: number;
  /**
   * Page size of delta pages when the request has no `Prefer: odata.maxpagesize` (Graph decides
   * it; `$top` is not honoured there). With the preference, delta pages hold up to that many
   * entries, capped at `maxPageSize`.
   */
  deltaPageSize: number;
  /** Error code of an expired delta token: 410 with this code. */
  expiredDeltaCode: 'syncStateNotFound' | 'resyncRequired';
  /**
   * How an expired delta token is refused when not the usual 410: Graph has also been seen
   * answering a stale link with 400 (any code) or 404.
   */
  staleDeltaAnswer?: { readonly status: 400 | 404; readonly code: string };
  /**
   * How `$deltatoken=latest` is taken when not as Graph documents it: `ignored` starts a full
   * enumeration (as for no token), `refused` is a 400 like any token that does not decode.
   */
  deltaLatest?: 'ignored' | 'refused';
}

interface Skip {
  o: number;
  /** Delta: the version the token stands for and the version the paging started at. */
  v?: number;
  at?: number;
}

export class GraphEndpoints {
  /** Called before each Graph answer is made, e.g. to change the directory in the middle of a paged read. */
  beforeAnswer: ((path: string, query: URLSearchParams) => void) | undefined;
  private readonly sorted = new Map<'users' | 'delta', { readonly version: number; readonly users: readonly GraphUser[] }>();

  constructor(
    private readonly dir: EmulatedDirectory,
    private readonly base: () => string,
    readonly options: GraphOptions,
  ) {}

  /** The answer body for a GET on `path` (below /v1.0); throws ODataError for Graph errors. */
  get(req: IncomingMessage, path: string, query: URLSearchParams): unknown {
    this.beforeAnswer?.(path, query);
    if (path === '/users') return this.users(req, query);
    if (path === '/users/delta') return this.delta(req, path, query);
    if (path === '/domains')
      return { '@odata.context': `${this.base()}/v1.0/$metadata#domains`, value: this.dir.domains.map((d) => ({ ...d, authenticationType: 'Managed' })) };
    if (path === '/groups') return this.groups(query);
    const group = /^\/groups\/([^/]+)(\/transitiveMembers(\/microsoft\.graph\.user)?)?$/.exec(path);
    if (group) return this.group(req, path, query, group[1]!, group[2] !== undefined, group[3] !== undefined);
    throw new ODataError(400, 'BadRequest', `Resource not found for the segment '${path.split('/')[1] ?? ''}'.`);
  }

  private users(req: IncomingMessage, query: URLSearchParams): unknown {
    const props = selectedProperties(query);
    const top = pageSize(query, this.options.defaultPageSize);
    const counted = checkCount(req.headers, query);
    if (query.has('$filter') && !/^accountEnabled eq (true|false)$/.test(query.get('$filter')!))
      requireAdvanced(req.headers, query, `$filter '${query.get('$filter')}'`);
    let users = this.sortedUsers('users');
    const filter = /^accountEnabled eq (true|false)$/.exec(query.get('$filter') ?? '');
    if (filter) users = users.filter((u) => u.accountEnabled === (filter[1] === 'true'));
    const after = readCursor(query);
    const rest = after === undefined ? users : users.slice(firstAfter(users, after));
    const size = Math.min(top, this.options.maxPageSize);
    const value = rest.slice(0, size);
    return {
      '@odata.context': `${this.base()}/v1.0/$metadata#users`,
      ...(counted ? { '@odata.count': users.length } : {}),
      ...(rest.length > size ? { '@odata.nextLink': link(this.base(), '/v1.0/users', query, { $skiptoken: encodeToken({ after: value.at(-1)!.id }) }) } : {}),
      value: value.map((u) => project(u, props)),
    };
  }

  /**
   * The users in the order a collection pages them (`/users` by localeCompare of the id, delta
   * by code units), sorted again only after the directory changed: a page of a large directory
   * must not cost a sort of all of it, or the emulator's own work would add to `latencyMs`.
   */
  private sortedUsers(order: 'users' | 'delta'): readonly GraphUser[] {
    const hit = this.sorted.get(order);
    if (hit && hit.version === this.dir.version && hit.users.length === this.dir.users.size) return hit.users;
    const compare = order === 'users' ? (a: GraphUser, b: GraphUser) => a.id.localeCompare(b.id) : (a: GraphUser, b: GraphUser) => (a.id < b.id ? -1 : 1);
    const users = [...this.dir.users.values()].sort(compare);
    this.sorted.set(order, { version: this.dir.version, users });
    return users;
  }

  /** One page of `items` (only that page is passed through `map`), with a nextLink when more follow. */
  private page<T>(
    path: string,
    query: URLSearchParams,
    items: readonly T[],
    top: number,
    extra: Record<string, unknown>,
    map: (item: T) => unknown = (item) => item,
  ): unknown {
    const skip = readSkip(query);
    const size = Math.min(top, this.options.maxPageSize);
    const value = items.slice(skip.o, skip.o + size).map(map);
    const more = skip.o + size < items.length;
    return {
      '@odata.context': `${this.base()}/v1.0/$metadata#${path.slice(1).replace(/\//g, '_')}`,
      ...extra,
      ...(more ? { '@odata.nextLink': link(this.base(), `/v1.0${path}`, query, { $skiptoken: encodeToken({ o: skip.o + size }) }) } : {}),
      value,
    };
  }

  private delta(req: IncomingMessage, path: string, query: URLSearchParams): unknown {
    const props = selectedProperties(query);
    const context = { '@odata.context': `${this.base()}/v1.0/$metadata#users(${props.join(',')})` };
    if (query.get('$deltatoken') === 'latest' && this.options.deltaLatest !== 'refused') {
      if (this.options.deltaLatest === 'ignored') query.delete('$deltatoken');
      else
        return { ...context, '@odata.deltaLink': link(this.base(), `/v1.0${path}`, query, { $deltatoken: encodeToken({ v: this.dir.version }) }), value: [] };
    }
    const skip = readSkip(query);
    const since = this.deltaSince(query, skip);
    const at = skip.at ?? this.dir.version;
    const size = preferredPageSize(req.headers, this.options.maxPageSize) ?? this.options.deltaPageSize;
    const entries: readonly ({ user: GraphUser } | { removed: { id: string; reason: string } })[] =
      since === undefined ? this.sortedUsers('delta').map((user) => ({ user })) : this.dir.changesSince(since);
    const value = entries
      .slice(skip.o, skip.o + size)
      .map((c) => ('user' in c ? project(c.user, props) : { id: c.removed.id, '@removed': { reason: c.removed.reason } }));
    const more = skip.o + size < entries.length;
    if (more) {
      return {
        ...context,
        '@odata.nextLink': link(this.base(), `/v1.0${path}`, query, {
          $skiptoken: encodeToken({ o: skip.o + size, ...(since !== undefined ? { v: since } : {}), at }),
        }),
        value,
      };
    }
    return { ...context, '@odata.deltaLink': link(this.base(), `/v1.0${path}`, query, { $deltatoken: encodeToken({ v: at }) }), value };
  }

  /**
   * The version a delta request continues from (undefined: a full read). A token that does
   * not decode is a 400, as Graph answers a garbled link; one older than the oldest valid
   * version is refused as configured (410 by default).
   */
  private deltaSince(query: URLSearchParams, skip: Skip): number | undefined {
    const deltaToken = query.get('$deltatoken');
    const since = deltaToken !== null ? decodeToken<{ v: number }>(deltaToken)?.v : skip.v;
    if (deltaToken !== null && typeof since !== 'number') throw new ODataError(400, 'Request_BadRequest', 'Invalid $deltatoken.');
    if (since === undefined || since >= this.dir.oldestValidDelta) return since;
    const stale = this.options.staleDeltaAnswer;
    if (stale)
      throw new ODataError(stale.status, stale.code, stale.status === 404 ? 'The delta link is not known.' : 'The delta link is not valid for this request.');
    const code = this.options.expiredDeltaCode;
    throw new ODataError(
      410,
      code,
      code === 'resyncRequired'
        ? 'Resync required. Replace any local cached copies of the directory objects with the versions in the directory.'
        : 'The requested sync state was not found; the delta token has expired.',
    );
  }

  private groups(query: URLSearchParams): unknown {
    const filter = query.get('$filter');
    let groups = [...this.dir.groups.values()];
    if (filter !== null) {
      const m = /^displayName eq '((?:[^']|'')*)'$/.exec(filter);
      if (!m) throw new ODataError(400, 'Request_UnsupportedQuery', `Unsupported query: $filter '${filter}'.`);
      const name = m[1]!.replace(/''/g, "'");
      groups = groups.filter((g) => g.displayName === name);
    }
    return { '@odata.context': `${this.base()}/v1.0/$metadata#groups`, value: groups.map((g) => ({ id: g.id, displayName: g.displayName })) };
  }

  private group(req: IncomingMessage, path: string, query: URLSearchParams, id: string, members: boolean, cast: boolean): unknown {
    const group = this.dir.groups.get(id);
    if (!group)
      throw new ODataError(
        404,
        'Request_ResourceNotFound',
        `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
      );
    if (!members) return { id: group.id, displayName: group.displayName };
    if (cast) requireAdvanced(req.headers, query, 'OData cast on transitiveMembers');
    const counted = checkCount(req.headers, query);
    const found = this.dir.transitiveMembers(id);
    const props = selectedProperties(query, new Set([...selectedUserKeys(), 'displayName']), ['id', 'displayName']);
    const users = found.users
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((u: GraphUser) => ({ '@odata.type': '#microsoft.graph.user', ...project(u, props) }));
    const groups = cast ? [] : found.groups.map((g) => ({ '@odata.type': '#microsoft.graph.group', id: g.id, displayName: g.displayName }));
    const items = [...users, ...groups];
    return this.page(path, query, items, pageSize(query, this.options.defaultPageSize), counted ? { '@odata.count': items.length } : {});
  }
}

function selectedUserKeys(): string[] {
  return ['id', 'userPrincipalName', 'mail', 'accountEnabled', 'userType', 'department', 'givenName', 'surname'];
}

/** `Prefer: odata.maxpagesize=N` (among other preferences), capped at `max`; undefined when absent. */
function preferredPageSize(headers: IncomingMessage['headers'], max: number): number | undefined {
  const m = /(?:^|[,;\s])odata\.maxpagesize=(\d+)/i.exec(String(headers['prefer'] ?? ''));
  const n = m ? Number(m[1]) : 0;
  return n >= 1 ? Math.min(n, max) : undefined;
}

/** The id a /users page continues after (undefined: the first page). */
function readCursor(query: URLSearchParams): string | undefined {
  const token = query.get('$skiptoken');
  if (token === null) return undefined;
  const cursor = decodeToken<{ after?: unknown }>(token);
  if (typeof cursor?.after !== 'string') throw new ODataError(400, 'Request_BadRequest', 'Invalid $skiptoken.');
  return cursor.after;
}

function readSkip(query: URLSearchParams): Skip {
  const token = query.get('$skiptoken');
  if (token === null) return { o: 0 };
  const skip = decodeToken<Skip>(token);
  if (!skip || typeof skip.o !== 'number') throw new ODataError(400, 'Request_BadRequest', 'Invalid $skiptoken.');
  return skip;
}

/** Index of the first user (sorted by localeCompare of the id) after `id`: binary search. */
function firstAfter(users: readonly GraphUser[], id: string): number {
  let lo = 0;
  let hi = users.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (users[mid]!.id.localeCompare(id) > 0) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
