/** OData query handling shared by the emulated Graph collections: $select, $top, paging. */
import { USER_PROPERTIES, DEFAULT_USER_PROPERTIES } from './directory-model.js';

export class ODataError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The properties to return: `$select` (checked against what the type has) or the default set. */
export function selectedProperties(
  query: URLSearchParams,
  known: ReadonlySet<string> = USER_PROPERTIES,
  defaults: readonly string[] = DEFAULT_USER_PROPERTIES,
): string[] {
  const select = query.get('$select');
  if (select === null || select === '') return [...defaults];
  const props = select.split(',').map((p) => p.trim());
  for (const p of props) {
    if (!known.has(p)) throw new ODataError(400, 'Request_BadRequest', `Could not find a property named '${p}' on type 'microsoft.graph.user'.`);
  }
  return props.includes('id') ? props : ['id', ...props];
}

export function project(obj: Record<string, unknown>, props: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(props.map((p) => [p, obj[p] ?? null]));
}

/** `$top`: 1..999, else Graph's 400; `fallback` when absent. */
export function pageSize(query: URLSearchParams, fallback: number): number {
  const top = query.get('$top');
  if (top === null) return fallback;
  const n = Number(top);
  if (!Number.isInteger(n) || n < 1 || n > 999)
    throw new ODataError(400, 'Request_BadRequest', `Invalid page size specified: '${top}'. Must be between 1 and 999 inclusive.`);
  return n;
}

/**
 * Advanced queries (`$count`, casts on member lists, `$search`, most `$filter`s) need the
 * `ConsistencyLevel: eventual` header and `$count=true`; Graph answers 400 otherwise.
 */
export function requireAdvanced(headers: Record<string, string | string[] | undefined>, query: URLSearchParams, what: string): void {
  const eventual = String(headers['consistencylevel'] ?? '').toLowerCase() === 'eventual';
  if (!eventual || query.get('$count') !== 'true') {
    throw new ODataError(
      400,
      'Request_UnsupportedQuery',
      `${what} is only supported with the ConsistencyLevel:eventual header and $count=true (advanced query).`,
    );
  }
}

/** `$count=true` alone also needs the header. */
export function checkCount(headers: Record<string, string | string[] | undefined>, query: URLSearchParams): boolean {
  if (query.get('$count') !== 'true') return false;
  if (String(headers['consistencylevel'] ?? '').toLowerCase() !== 'eventual') {
    throw new ODataError(400, 'Request_BadRequest', '$count is not currently supported without the ConsistencyLevel:eventual header.');
  }
  return true;
}

/** Rebuilds a link on this server with `extra` query parameters replacing the paging ones. */
export function link(
  base: string,
  path: string,
  query: URLSearchParams,
  extra: Record<string, string>,
  drop: readonly string[] = ['$skiptoken', '$deltatoken'],
): string {
  const q = new URLSearchParams();
  for (const [k, v] of query) if (!drop.includes(k) && !(k in extra)) q.append(k, v);
  for (const [k, v] of Object.entries(extra)) q.append(k, v);
  // Graph writes `$` literally in its links.
  return `${base}${path}?${q.toString().replace(/%24/g, '$').replace(/%2C/g, ',')}`;
}
