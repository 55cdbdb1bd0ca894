/** Small builders for the pure core's tests: users, configs, and an in-memory row applier. */
import { createHash } from 'node:crypto';
import type { CredentialCheck } from '../../src/core/credential-check.js';
import { buildRowOps } from '../../src/core/row-ops.js';
import type { DirectoryUser } from '../../src/model/directory-user.js';
import type { PbxTenantState } from '../../src/model/pbx-state.js';
import type { AccountView, Plan } from '../../src/model/plan.js';
import type { PreferenceInsert, RowOps } from '../../src/model/row-ops.js';
import type { TenantConfig, UserOverride } from '../../src/model/tenant-config.js';

let counter = 0;
export function user(displayName: string, upn?: string, extra: Partial<DirectoryUser> = {}): DirectoryUser {
  counter++;
  const local = displayName.toLowerCase().replace(/\s+/g, '.');
  return {
    id: extra.id ?? `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
    userPrincipalName: upn ?? `${local}@acme.com`,
    displayName,
    mail: upn ?? `${local}@acme.com`,
    accountEnabled: true,
    userType: 'Member',
    department: null,
    ...extra,
  };
}

export function config(overrides: Partial<TenantConfig> = {}): TenantConfig {
  return {
    file: '/tmp/acme/tenant.yaml',
    name: 'acme',
    domain: 'acme.com',
    source: { type: 'snapshot', path: '/tmp/acme/directory.json', scope: { enabledOnly: true, membersOnly: true, domains: [] } },
    pbx: { url: 'sqlite:/tmp/acme/pbx.sqlite' },
    extensions: { start: 1001, end: 1999, reserved: [], reuse: 'never' },
    defaults: {},
    users: [],
    leavers: 'disable',
    safety: { maxRemoveShare: 1, maxUpdateShare: 1, minExisting: 10 },
    spreadsheet: { path: '/tmp/acme/acme-credentials.xlsx', phoneSetup: { registrar: 'acme.com', transport: 'udp', port: 5060 }, encryptTo: [] },
    phones: { path: '/tmp/acme/acme-phones' },
    welcome: { onApply: false, subject: 'Your phone account at acme' },
    cards: { folder: '/tmp/acme/acme-cards', paper: 'A4', afterApply: false },
    state: { url: 'file:/tmp/acme/acme.pbxsync-state.json' },
    labels: { pbxUrl: 'sqlite:pbx.sqlite', stateUrl: 'file:acme.pbxsync-state.json' },
    credentials: { storePlaintext: false },
    ...overrides,
  };
}

export function override(match: string, props: Partial<Omit<UserOverride, 'match'>> = {}): UserOverride {
  return {
    match: match.includes('@') ? { by: 'upn', value: match.toLowerCase() } : { by: 'id', value: match.toLowerCase() },
    exclude: false,
    adopt: false,
    phones: [],
    fields: {},
    path: ['users', match],
    ...props,
  };
}

/** A fake credential derivation that is deterministic and cheap: enough for the pure core. */
export function fakeHashes(a: AccountView): { ha1: string; ha1b: string } {
  const h = createHash('md5').update(`${a.objectId}:${a.generation}:${a.username}`).digest('hex');
  return { ha1: h, ha1b: `b${h}` };
}
export const fakeCredentials: CredentialCheck = {
  matches: (a, row) => row.ha1 === fakeHashes(a).ha1 && row.ha1b === fakeHashes(a).ha1b,
};

export const KEY_ID = 'k1-0123456789abcdef';

export function emptyPbx(): PbxTenantState {
  return { domain: { did: null, exists: false, attrs: {}, otherDomainsOfDid: [] }, subscribers: [], aliases: [], preferences: [], fingerprint: 'empty' };
}

/** Applies row ops to an in-memory copy of the tenant's rows, as a provider would: deletes, renames, inserts. */
function applyOps(state: PbxTenantState, ops: RowOps): PbxTenantState {
  const delSubs = new Set(ops.deleteSubscribers);
  const delAliases = new Set(ops.deleteAliases.map((a) => `${a.aliasUsername}\u0000${a.username}`));
  const delUuids = new Set(ops.deletePreferencesOf);
  const deleted = (p: PreferenceInsert) =>
    delUuids.has(p.uuid) || ops.deletePreferences.some((d) => d.uuid === p.uuid && d.attribute === p.attribute && (d.value === null || d.value === p.value));
  const renamed = <T extends { username: string }>(row: T, match: (r: T, from: string) => boolean): T => {
    const r = ops.renameAccounts.find((x) => match(row, x.from) && (!('uuid' in row) || (row as { uuid?: string }).uuid === x.uuid));
    return r ? { ...row, username: r.to } : row;
  };
  return {
    domain:
      ops.createDomain && !state.domain.exists
        ? { did: ops.createDomain.did, exists: true, attrs: ops.createDomain.attrs, otherDomainsOfDid: state.domain.otherDomainsOfDid }
        : state.domain,
    subscribers: [
      ...state.subscribers.filter((s) => !delSubs.has(s.username)),
      ...ops.insertSubscribers.map((s) => ({ username: s.username, ha1: s.ha1, ha1b: s.ha1b, hasPlaintext: s.password !== '' })),
    ],
    aliases: [
      ...state.aliases.filter((a) => !delAliases.has(`${a.aliasUsername}\u0000${a.username}`)).map((a) => renamed(a, (r, from) => r.username === from)),
      ...ops.insertAliases,
    ],
    preferences: [...state.preferences.filter((p) => !deleted(p)).map((p) => renamed(p, (r, from) => r.username === from)), ...ops.insertPreferences],
    fingerprint: `after-${++counter}`,
  };
}

export function applyPlan(state: PbxTenantState, plan: Plan): PbxTenantState {
  return applyOps(
    state,
    buildRowOps(plan, {
      subscriber: (a) => ({ username: a.username, password: '', ...fakeHashes(a) }),
      softphoneHash: (a) => `scrypt$fake$${a.objectId}`,
    }),
  );
}
