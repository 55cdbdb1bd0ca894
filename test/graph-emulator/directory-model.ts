/**
 * The emulated Entra ID tenant: users, groups (members may be users or groups), domains and
 * app registrations, with a change counter so that delta queries can tell what changed since a
 * token was issued. Users are plain Graph JSON objects with every property Graph knows.
 */
export type GraphUser = Record<string, unknown> & { id: string; userPrincipalName: string };

export interface EmulatedGroup {
  readonly id: string;
  displayName: string;
  /** Object ids of member users and member groups. */
  members: string[];
}

export interface EmulatedApp {
  readonly clientId: string;
  secret?: string;
  /** PEM of the certificate uploaded to the app registration. */
  certificatePem?: string;
  /** `granted`; `missing-token`: AADSTS65001 at token time; `missing-graph`: tokens without roles, 403 at Graph. */
  consent: 'granted' | 'missing-token' | 'missing-graph';
  /** "Allow public client flows" of the registration; false refuses device-code sign-in. Default true. */
  publicClient?: boolean;
}

interface Tombstone {
  readonly id: string;
  readonly version: number;
  readonly reason: 'changed' | 'deleted';
}

/** Properties Graph returns for a user when the query has no `$select`. */
export const DEFAULT_USER_PROPERTIES = [
  'businessPhones',
  'displayName',
  'givenName',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
  'id',
];

/** Every user property the emulator knows; `$select` of anything else is a 400. */
export const USER_PROPERTIES = new Set([...DEFAULT_USER_PROPERTIES, 'accountEnabled', 'userType', 'department', 'createdDateTime', 'companyName']);

export class EmulatedDirectory {
  readonly users = new Map<string, GraphUser>();
  readonly groups = new Map<string, EmulatedGroup>();
  readonly domains: { id: string; isVerified: boolean; isDefault: boolean }[] = [];
  readonly apps = new Map<string, EmulatedApp>();
  /** Bumped on every change; a delta token remembers the version it was issued at. */
  version = 1;
  /** Delta tokens issued before this version are expired (410). */
  oldestValidDelta = 0;
  /** Version at which each user last changed. */
  readonly changedAt = new Map<string, number>();
  readonly tombstones: Tombstone[] = [];

  constructor(readonly tenantId: string) {}

  addUser(user: Partial<GraphUser> & { id: string; userPrincipalName: string }): void {
    const full: GraphUser = {
      businessPhones: [],
      displayName: null,
      givenName: null,
      jobTitle: null,
      mail: null,
      mobilePhone: null,
      officeLocation: null,
      preferredLanguage: null,
      surname: null,
      accountEnabled: true,
      userType: 'Member',
      department: null,
      createdDateTime: '2024-01-01T00:00:00Z',
      companyName: null,
      ...user,
    };
    this.users.set(user.id, full);
    this.changedAt.set(user.id, ++this.version);
  }

  updateUser(id: string, patch: Record<string, unknown>): void {
    const user = this.users.get(id);
    if (!user) throw new Error(`no user ${id}`);
    this.users.set(id, { ...user, ...patch, id });
    this.changedAt.set(id, ++this.version);
  }

  /** `soft`: moved to deleted items (delta says reason `changed`); else deleted for good. */
  deleteUser(id: string, soft = true): void {
    if (!this.users.delete(id)) throw new Error(`no user ${id}`);
    this.changedAt.delete(id);
    this.tombstones.push({ id, version: ++this.version, reason: soft ? 'changed' : 'deleted' });
    for (const g of this.groups.values()) g.members = g.members.filter((m) => m !== id);
  }

  addGroup(group: EmulatedGroup): void {
    this.groups.set(group.id, group);
  }

  addApp(app: EmulatedApp): void {
    this.apps.set(app.clientId, app);
  }

  /** The tenant id or one of its domains names this tenant. */
  isTenant(name: string): boolean {
    const n = name.toLowerCase();
    return n === this.tenantId.toLowerCase() || this.domains.some((d) => d.id.toLowerCase() === n);
  }

  /** Users reachable from a group through any depth of nested groups (each once). */
  transitiveMembers(groupId: string): { users: GraphUser[]; groups: EmulatedGroup[] } {
    const users = new Map<string, GraphUser>();
    const groups = new Map<string, EmulatedGroup>();
    const visit = (id: string) => {
      for (const m of this.groups.get(id)?.members ?? []) {
        const user = this.users.get(m);
        if (user) users.set(m, user);
        const group = this.groups.get(m);
        if (group && !groups.has(m)) {
          groups.set(m, group);
          visit(m);
        }
      }
    };
    visit(groupId);
    return { users: [...users.values()], groups: [...groups.values()] };
  }

  /** Changes since `version`: changed users and removed ids, in change order. */
  changesSince(version: number): ({ user: GraphUser } | { removed: Tombstone })[] {
    const changed = [...this.changedAt].filter(([, v]) => v > version).map(([id, v]) => ({ v, item: { user: this.users.get(id)! } }));
    const removed = this.tombstones.filter((t) => t.version > version).map((t) => ({ v: t.version, item: { removed: t } }));
    return [...changed, ...removed].sort((a, b) => a.v - b.v).map((x) => x.item);
  }
}
