/**
 * The azure directory source, driving the real msal-node and Graph client against the local
 * HTTPS emulator (trusted through source.ca_file): paging, $select, delta, groups, domains.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger, type Logger } from '../../src/app/logger.js';
import type { IncomingMessage } from 'node:http';
import { AzureSource, type DeltaStore } from '../../src/directory/azure-source.js';
import { REFRESH_AFTER_MS, type DeltaCache } from '../../src/directory/azure/delta-sync.js';
import { readSnapshot } from '../../src/directory/snapshot-source.js';
import { DIRECTORY_USER_FIELDS, type DirectoryUser } from '../../src/model/directory-user.js';
import type { GraphEmulator } from '../graph-emulator/server.js';
import { acmeEmulator, azureConfig } from '../support/azure-fixture.js';
import { ROOT } from '../support/cli.js';
import { join } from 'node:path';

let em: GraphEmulator;
beforeEach(async () => {
  em = await acmeEmulator();
});
afterEach(async () => {
  await em.stop();
});

const byId = (users: readonly DirectoryUser[]) => [...users].sort((a, b) => a.id.localeCompare(b.id));

async function snapshotUsers(): Promise<DirectoryUser[]> {
  return byId((await readSnapshot(join(ROOT, 'examples', 'acme', 'directory.json'))).users);
}

function memoryStore(): DeltaStore & { value: unknown; saves: number } {
  const store = {
    value: undefined as unknown,
    saves: 0,
    load: async () => store.value,
    save: async (v: unknown) => {
      store.saves++;
      store.value = JSON.parse(JSON.stringify(v));
    },
  };
  return store;
}

function addBulkUsers(n: number): void {
  for (let i = 0; i < n; i++) {
    em.directory.addUser({ id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, userPrincipalName: `bulk${i}@acme.com`, displayName: `Bulk ${i}` });
  }
}

function notices(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: () => undefined, warn: (m) => lines.push(m), progress: () => undefined };
}

async function read(options: Partial<ConstructorParameters<typeof AzureSource>[1]> = {}, config = azureConfig(em)): Promise<DirectoryUser[]> {
  const source = new AzureSource(config, { log: silentLogger, ...options });
  try {
    return await source.listUsers();
  } finally {
    await source.close();
  }
}

describe('full read', () => {
  it('reads exactly the users of the directory, selecting only the fields pbxsync uses', async () => {
    expect(byId(await read())).toEqual(await snapshotUsers());
    const users = em.graphRequests().filter((r) => r.path === '/v1.0/users');
    expect(users).toHaveLength(1);
    const q = new URLSearchParams(users[0]!.query);
    expect(q.get('$select')!.split(',').sort()).toEqual([...DIRECTORY_USER_FIELDS].sort());
    expect(q.get('$top')).toBe('999');
  });

  it('follows absolute https nextLinks to the last page', async () => {
    addBulkUsers(2100);
    const users = await read();
    expect(users).toHaveLength(2140);
    expect(new Set(users.map((u) => u.id)).size).toBe(2140);
    const pages = em.graphRequests().filter((r) => r.path === '/v1.0/users');
    expect(pages).toHaveLength(3);
    expect(pages.slice(1).every((p) => p.query.includes('$skiptoken='))).toBe(true);
  });

  it('follows links that name the loopback host differently (localhost vs 127.0.0.1)', async () => {
    em.graph.options.maxPageSize = 10;
    em.linkOrigin = `https://localhost:${em.portNumber}`;
    expect(byId(await read())).toEqual(await snapshotUsers());
    expect(em.graphRequests().filter((r) => r.path === '/v1.0/users')).toHaveLength(4);
  });

  it('refuses a nextLink to another host: the token never leaves the configured endpoint', async () => {
    em.graph.options.maxPageSize = 10;
    em.linkOrigin = `https://graph.elsewhere.example`;
    await expect(read()).rejects.toThrow(
      /^Graph sent a paging link to https:\/\/graph\.elsewhere\.example, outside https:\/\/127\.0\.0\.1:\d+; refusing to follow it$/,
    );
  });

  it('reports the verified domains of the directory', async () => {
    em.directory.domains.push({ id: 'pending.example', isVerified: false, isDefault: false });
    const source = new AzureSource(azureConfig(em), { log: silentLogger });
    expect(await source.verifiedDomains()).toEqual(['acme-labs.io', 'acme.com', 'acme.onmicrosoft.com']);
    await source.close();
  });

  it('asks the authority for a token once per run (msal caches it in memory)', async () => {
    const source = new AzureSource(azureConfig(em), { log: silentLogger });
    await source.listUsers();
    await source.verifiedDomains();
    await source.close();
    expect(em.log.filter((r) => r.path.endsWith('/oauth2/v2.0/token'))).toHaveLength(1);
    // msal talks only to the configured host, and skips instance discovery there too.
    expect(em.log.filter((r) => r.path.includes('discovery/instance'))).toEqual([]);
  });
});

describe('delta re-sync', () => {
  it('first seeds a delta link ($deltatoken=latest) and reads /users, then costs one Graph request and no cache write when nothing changed', async () => {
    const store = memoryStore();
    expect(byId(await read({ deltaStore: store }))).toEqual(await snapshotUsers());
    const first = em.graphRequests();
    expect(first.map((r) => r.path)).toEqual(['/v1.0/users/delta', '/v1.0/users']);
    expect(first[0]!.query).toContain('$deltatoken=latest');
    expect(store.saves).toBe(1);
    const before = em.graphRequests().length;
    expect(byId(await read({ deltaStore: store }))).toEqual(await snapshotUsers());
    const again = em.graphRequests().slice(before);
    expect(again).toHaveLength(1);
    expect(again[0]!.query).toContain('$deltatoken=');
    expect(again[0]!.query).not.toContain('latest');
    expect(store.saves).toBe(1);
  });

  it('a first read of 2,500 users costs 1 + 3 requests (the floor is 3); onPage counts up to every user', async () => {
    addBulkUsers(2460);
    const store = memoryStore();
    const counts: number[] = [];
    const users = await read({ deltaStore: store, onProgress: (n) => counts.push(n) });
    expect(users).toHaveLength(2500);
    expect(em.graphRequests().map((r) => r.path)).toEqual(['/v1.0/users/delta', '/v1.0/users', '/v1.0/users', '/v1.0/users']);
    expect(counts).toEqual([999, 1998, 2500]);
  });

  it('asks for delta pages of 999 (Prefer: odata.maxpagesize) on every delta request', async () => {
    const store = memoryStore();
    await read({ deltaStore: store });
    addBulkUsers(1500); // 1,500 changes: two pages of changes
    const before = em.graphRequests().length;
    const counts: number[] = [];
    expect(await read({ deltaStore: store, onProgress: (n) => counts.push(n) })).toHaveLength(1540);
    const delta = em.graphRequests().filter((r) => r.path === '/v1.0/users/delta');
    expect(delta.every((r) => r.headers['prefer'] === 'odata.maxpagesize=999')).toBe(true);
    expect(em.graphRequests().slice(before)).toHaveLength(2);
    expect(counts).toEqual([1039, 1540]);
  });

  it('the emulator serves delta pages of 100 without the preference, and caps it at its largest page', () => {
    addBulkUsers(1200);
    const page = (prefer?: string) =>
      em.graph.get({ headers: prefer ? { prefer } : {} } as IncomingMessage, '/users/delta', new URLSearchParams('$select=id')) as { value: unknown[] };
    expect(page().value).toHaveLength(100);
    expect(page('odata.maxpagesize=250').value).toHaveLength(250);
    expect(page('return=minimal, odata.maxpagesize=5000').value).toHaveLength(999);
  });

  it('changes made while the first read runs (between the seed and the last page) show up on the next run', async () => {
    addBulkUsers(60); // 100 users, four /users pages of 25
    em.graph.options.maxPageSize = 25;
    const ids = [...em.directory.users.keys()].sort();
    const [readEarly, readLate, goneEarly, goneLate] = [ids[3]!, ids[90]!, ids[5]!, ids[95]!];
    const joinerEarly = '00000000-0000-0000-0000-000000000001'; // sorts onto the first page, already read
    const joinerLate = 'ffffffff-0000-4000-8000-000000000009'; // sorts onto the last page
    let usersPages = 0;
    em.graph.beforeAnswer = (path) => {
      if (path !== '/users' || ++usersPages !== 2) return;
      em.directory.updateUser(readEarly, { displayName: 'Changed Early' });
      em.directory.updateUser(readLate, { displayName: 'Changed Late' });
      em.directory.deleteUser(goneEarly);
      em.directory.deleteUser(goneLate, false);
      em.directory.addUser({ id: joinerEarly, userPrincipalName: 'joiner.early@acme.com', displayName: 'Joiner Early' });
      em.directory.addUser({ id: joinerLate, userPrincipalName: 'joiner.late@acme.com', displayName: 'Joiner Late' });
    };
    const store = memoryStore();
    const first = byId(await read({ deltaStore: store }));
    expect(usersPages).toBe(4);
    em.graph.beforeAnswer = undefined;
    // The first read saw the directory half before, half after the changes...
    expect(first.find((u) => u.id === readEarly)!.displayName).not.toBe('Changed Early');
    expect(first.some((u) => u.id === goneEarly)).toBe(true);
    expect(first.some((u) => u.id === joinerEarly)).toBe(false);
    // ...and the next run, one delta request from the seed, matches the directory.
    const before = em.graphRequests().length;
    const second = byId(await read({ deltaStore: store }));
    expect(em.graphRequests().slice(before)).toHaveLength(1);
    expect(second).toEqual(byId(await read()));
    expect(second.find((u) => u.id === readEarly)!.displayName).toBe('Changed Early');
    expect(second.find((u) => u.id === readLate)!.displayName).toBe('Changed Late');
    expect(second.some((u) => u.id === goneEarly || u.id === goneLate)).toBe(false);
    expect(second.some((u) => u.id === joinerEarly)).toBe(true);
    expect(second.some((u) => u.id === joinerLate)).toBe(true);
  });

  it('an incremental read with changes saves the cache; one without saves it only when the cache is a day old or older', async () => {
    const store = memoryStore();
    const t0 = Date.parse('2030-01-01T12:00:00Z');
    const at = (ms: number) => ({ clock: { sleep: async () => undefined, random: () => 0.5, now: () => ms } });
    await read({ deltaStore: store, ...at(t0) });
    expect(store.saves).toBe(1);
    expect((store.value as DeltaCache).savedAt).toBe('2030-01-01T12:00:00.000Z');
    em.directory.updateUser([...em.directory.users.keys()][0]!, { displayName: 'Changed' });
    await read({ deltaStore: store, ...at(t0 + 60_000) });
    expect(store.saves).toBe(2);
    await read({ deltaStore: store, ...at(t0 + 23 * 3600_000) });
    expect(store.saves).toBe(2);
    await read({ deltaStore: store, ...at(t0 + 60_000 + REFRESH_AFTER_MS) });
    expect(store.saves).toBe(3);
    expect((store.value as DeltaCache).savedAt).toBe(new Date(t0 + 60_000 + REFRESH_AFTER_MS).toISOString());
  });

  it('a cache written before savedAt existed is still used, and saved again (with savedAt) on the next read', async () => {
    const store = memoryStore();
    await read({ deltaStore: store });
    const { savedAt: _, ...old } = store.value as DeltaCache;
    store.value = old;
    const before = em.graphRequests().length;
    expect(byId(await read({ deltaStore: store }))).toEqual(await snapshotUsers());
    expect(em.graphRequests().slice(before)).toHaveLength(1);
    expect(store.saves).toBe(2);
    expect(typeof (store.value as DeltaCache).savedAt).toBe('string');
  });

  it('applies changes, additions and removals (soft and hard delete) since the last run', async () => {
    const store = memoryStore();
    const first = await read({ deltaStore: store });
    const [gone, hardGone, renamed] = byId(first);
    em.directory.deleteUser(gone!.id, true);
    em.directory.deleteUser(hardGone!.id, false);
    em.directory.updateUser(renamed!.id, { displayName: 'Renamed Person', department: 'Ops' });
    em.directory.addUser({
      id: 'ffffffff-0000-4000-8000-000000000001',
      userPrincipalName: 'new.joiner@acme.com',
      displayName: 'New Joiner',
      accountEnabled: true,
      userType: 'Member',
    });
    const second = await read({ deltaStore: store });
    const ids = new Set(second.map((u) => u.id));
    expect(ids.has(gone!.id)).toBe(false);
    expect(ids.has(hardGone!.id)).toBe(false);
    expect(ids.has('ffffffff-0000-4000-8000-000000000001')).toBe(true);
    expect(second.find((u) => u.id === renamed!.id)).toMatchObject({ displayName: 'Renamed Person', department: 'Ops' });
    expect(second).toHaveLength(first.length - 1);
    // The incremental result equals a fresh full read.
    expect(byId(second)).toEqual(byId(await read()));
  });

  it.each(['syncStateNotFound', 'resyncRequired'] as const)('an expired delta token (410 %s) falls back to a full read, with a notice', async (code) => {
    em.graph.options.expiredDeltaCode = code;
    const store = memoryStore();
    await read({ deltaStore: store });
    em.directory.deleteUser(byId(await snapshotUsers())[0]!.id);
    em.expireDeltaTokens();
    const log = notices();
    const users = await read({ deltaStore: store, log });
    expect(byId(users)).toEqual(byId(await read()));
    expect(log.lines.join('\n')).toMatch(new RegExp(`notice: .*delta token is no longer valid \\(${code}\\); reading every user again`));
    const gone = em.graphRequests().filter((r) => r.status === 410);
    expect(gone).toHaveLength(1);
  });

  it('a failed read keeps the previous delta link (no partial state is cached)', async () => {
    const store = memoryStore();
    await read({ deltaStore: store });
    const cached = JSON.stringify(store.value);
    em.directory.updateUser(byId(await snapshotUsers())[0]!.id, { displayName: 'Changed' });
    em.faults.add({ kind: 'unavailable', every: 1, retryAfter: '1' });
    const clock = { sleep: async () => undefined, random: () => 0.5, now: Date.now };
    await expect(read({ deltaStore: store, clock }, azureConfig(em, { maxWaitMs: 3000 }))).rejects.toThrow(/gave up/);
    expect(JSON.stringify(store.value)).toBe(cached);
  });
});

describe('groups', () => {
  const ids = (users: DirectoryUser[]) => users.map((u) => u.userPrincipalName).sort();

  beforeEach(async () => {
    const all = byId(await snapshotUsers());
    em.directory.addGroup({ id: 'aaaaaaaa-0000-4000-8000-000000000001', displayName: 'Phones', members: [all[0]!.id, 'aaaaaaaa-0000-4000-8000-000000000002'] });
    em.directory.addGroup({
      id: 'aaaaaaaa-0000-4000-8000-000000000002',
      displayName: 'Phones EU',
      members: [all[1]!.id, 'aaaaaaaa-0000-4000-8000-000000000003'],
    });
    em.directory.addGroup({
      id: 'aaaaaaaa-0000-4000-8000-000000000003',
      displayName: 'Phones Berlin',
      members: [all[2]!.id, 'aaaaaaaa-0000-4000-8000-000000000001'],
    }); // a cycle
    em.directory.addGroup({ id: 'aaaaaaaa-0000-4000-8000-000000000004', displayName: 'Other', members: [all[3]!.id] });
  });

  it('keeps the transitive members of groups named by display name or id (nested, cycles included)', async () => {
    const all = byId(await snapshotUsers());
    const byName = await read({}, azureConfig(em, { groups: ['Phones'] }));
    expect(ids(byName)).toEqual(ids(all.slice(0, 3)));
    const byGuid = await read({}, azureConfig(em, { groups: ['aaaaaaaa-0000-4000-8000-000000000004', 'Phones Berlin'] }));
    expect(ids(byGuid)).toEqual(ids(all.slice(0, 4)));
  });

  it('sends ConsistencyLevel: eventual with $count=true on every page of the member cast', async () => {
    const all = byId(await snapshotUsers());
    em.directory.groups.get('aaaaaaaa-0000-4000-8000-000000000004')!.members = all.map((u) => u.id);
    em.graph.options.maxPageSize = 7; // Graph may serve fewer than $top=999
    expect(await read({}, azureConfig(em, { groups: ['Other'] }))).toHaveLength(40);
    const pages = em.graphRequests().filter((r) => r.path.endsWith('/transitiveMembers/microsoft.graph.user'));
    expect(pages).toHaveLength(6);
    for (const p of pages) {
      expect(p.headers['consistencylevel']).toBe('eventual');
      expect(p.query).toContain('$count=true');
      expect(p.status).toBe(200);
    }
  });

  it('an unknown group (by name or id) is a clear error', async () => {
    await expect(read({}, azureConfig(em, { groups: ['Nope'] }))).rejects.toThrow("group 'Nope' (source.groups) does not exist in the directory");
    await expect(read({}, azureConfig(em, { groups: ['aaaaaaaa-0000-4000-8000-00000000dead'] }))).rejects.toThrow(
      /group 'aaaaaaaa-0000-4000-8000-00000000dead' .*does not exist/,
    );
  });

  it('a display name shared by two groups is refused, naming both ids', async () => {
    em.directory.addGroup({ id: 'aaaaaaaa-0000-4000-8000-000000000005', displayName: 'Other', members: [] });
    await expect(read({}, azureConfig(em, { groups: ['Other'] }))).rejects.toThrow(/2 groups .* named 'Other'/);
  });
});
