/**
 * The plain Graph reads of the azure source: all users, the verified domains, and the users
 * in groups (nested groups included). Every read follows `@odata.nextLink` to the end or
 * throws; none returns a partial list.
 */
import { UserError } from '../../errors.js';
import { DIRECTORY_USER_FIELDS, type DirectoryUser } from '../../model/directory-user.js';
import { isJsonObject, mapGraphDomain, mapGraphUser } from '../graph-mapping.js';
import { GraphHttpError, type GraphApi } from './graph-api.js';

export const USER_SELECT = DIRECTORY_USER_FIELDS.join(',');

/** Graph's advanced-query headers; needed (with `$count=true`) for OData casts on member lists. */
const ADVANCED = { ConsistencyLevel: 'eventual' } as const;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `GET /users?$select=…&$top=999`, every page. `onPage` gets the running count. */
export async function readAllUsers(api: GraphApi, onPage: (count: number) => void = () => undefined): Promise<DirectoryUser[]> {
  const users: DirectoryUser[] = [];
  for await (const page of api.pages(`/users?$select=${USER_SELECT}&$top=999`)) {
    for (const raw of page.value as unknown[]) users.push(toUser(raw));
    onPage(users.length);
  }
  return users;
}

export function toUser(raw: unknown): DirectoryUser {
  const mapped = mapGraphUser(raw);
  if (mapped.ok) return mapped.value;
  const id = isJsonObject(raw) && typeof raw.id === 'string' ? ` ${raw.id}` : '';
  throw new Error(`Graph returned a user${id} that ${mapped.problem}`);
}

/** `GET /domains` (a handful of entries, so no `$select`): the verified ones, lower case. */
export async function readVerifiedDomains(api: GraphApi): Promise<string[]> {
  const verified = new Set<string>();
  for await (const page of api.pages('/domains')) {
    for (const raw of page.value as unknown[]) {
      const mapped = mapGraphDomain(raw);
      if (!mapped.ok) throw new Error(`Graph returned a domain that ${mapped.problem}`);
      if (mapped.value.isVerified) verified.add(mapped.value.id);
    }
  }
  return [...verified].sort();
}

/**
 * Object ids of the users that are members of any of `groups`, directly or through nested
 * groups (`transitiveMembers`, cast to users). A group is named by object id or display name;
 * one that does not exist, or a name that fits several groups, is a `UserError`.
 */
export async function groupMemberIds(api: GraphApi, groups: readonly string[]): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const group of groups) {
    const id = await resolveGroup(api, group);
    const first = `/groups/${id}/transitiveMembers/microsoft.graph.user?$select=id&$top=999&$count=true`;
    for await (const page of api.pages(first, ADVANCED)) {
      for (const member of page.value as unknown[]) {
        if (isJsonObject(member) && typeof member.id === 'string') ids.add(member.id);
      }
    }
  }
  return ids;
}

async function resolveGroup(api: GraphApi, group: string): Promise<string> {
  if (GUID.test(group)) {
    try {
      await api.get(`/groups/${group}?$select=id,displayName`);
      return group;
    } catch (err) {
      if (err instanceof GraphHttpError && err.status === 404) throw unknownGroup(group);
      throw err;
    }
  }
  const filter = encodeURIComponent(`displayName eq '${group.replace(/'/g, "''")}'`);
  const found: string[] = [];
  for await (const page of api.pages(`/groups?$filter=${filter}&$select=id,displayName`)) {
    for (const g of page.value as unknown[]) if (isJsonObject(g) && typeof g.id === 'string') found.push(g.id);
  }
  if (found.length === 0) throw unknownGroup(group);
  if (found.length > 1) {
    throw new UserError(
      `${found.length} groups in the directory are named '${group}' (source.groups)`,
      `name the group by its object id instead: one of ${found.join(', ')}`,
    );
  }
  return found[0]!;
}

function unknownGroup(group: string): UserError {
  return new UserError(
    `group '${group}' (source.groups) does not exist in the directory`,
    'check the spelling, or name the group by its object id (Entra admin center → Groups)',
  );
}
