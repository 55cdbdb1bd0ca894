/**
 * A cached delta link Graph will not take any more (410, or 400/404 for a stale or garbled
 * token) costs one full read with a notice, and the new link replaces the bad one; errors that
 * are not about the link (consent, throttling, 5xx) still fail and keep the cached link. A
 * first read seeds the link with `$deltatoken=latest` and reads `/users`; when Graph does not
 * take `latest`, it walks the delta query instead, with the same result.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger, type Logger } from '../../src/app/logger.js';
import { AzureSource, type DeltaStore } from '../../src/directory/azure-source.js';
import type { DeltaCache } from '../../src/directory/azure/delta-sync.js';
import type { RetryClock } from '../../src/directory/azure/retry-policy.js';
import { UserError } from '../../src/errors.js';
import type { DirectoryUser } from '../../src/model/directory-user.js';
import type { GraphEmulator } from '../graph-emulator/server.js';
import { acmeEmulator, azureConfig, CLIENT_ID } from '../support/azure-fixture.js';

let em: GraphEmulator;
beforeEach(async () => {
  em = await acmeEmulator(); // 40 users
});
afterEach(async () => {
  await em.stop();
});

const byId = (users: readonly DirectoryUser[]) => [...users].sort((a, b) => a.id.localeCompare(b.id));
const noWait: RetryClock = { sleep: async () => undefined, random: () => 0.5, now: Date.now };

function memoryStore(): DeltaStore & { value: DeltaCache | undefined } {
  const store = {
    value: undefined as DeltaCache | undefined,
    load: async () => store.value,
    save: async (v: unknown) => void (store.value = JSON.parse(JSON.stringify(v)) as DeltaCache),
  };
  return store;
}

function notices(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: () => undefined, warn: (m) => lines.push(m), progress: () => undefined };
}

async function read(store?: DeltaStore, log: Logger = silentLogger, config = azureConfig(em)): Promise<DirectoryUser[]> {
  const source = new AzureSource(config, { log, clock: noWait, ...(store ? { deltaStore: store } : {}) });
  try {
    return await source.listUsers();
  } finally {
    await source.close();
  }
}

type Sent = { status: number; path: string; query: string };

/** Graph requests sent by `run`. */
async function requestsOf(run: () => Promise<unknown>): Promise<Sent[]> {
  const before = em.graphRequests().length;
  await run();
  return em
    .graphRequests()
    .slice(before)
    .map((r) => ({ status: r.status, path: r.path, query: decodeURIComponent(r.query) }));
}

/** A first read of the 39 users left: the delta link for now, then one page of /users. */
function expectFullRead(sent: Sent[]): void {
  expect(sent.map((r) => [r.status, r.path])).toEqual([
    [200, '/v1.0/users/delta'],
    [200, '/v1.0/users'],
  ]);
  expect(sent[0]!.query).toContain('$deltatoken=latest');
  expect(sent[1]!.query).toContain('$top=999');
}

describe('a cached delta link Graph refuses', () => {
  it.each([
    [400, 'Request_BadRequest'],
    [400, 'badRequest'],
    [404, 'Request_ResourceNotFound'],
  ] as const)('refused with %i %s: a notice, one full read, the new link cached, then incremental again', async (status, code) => {
    const store = memoryStore();
    await read(store);
    const staleLink = store.value!.deltaLink;
    em.directory.deleteUser([...em.directory.users.keys()][0]!);
    em.expireDeltaTokens({ status, code });
    const log = notices();
    let users: DirectoryUser[] = [];
    const sent = await requestsOf(async () => (users = await read(store, log)));
    expect(sent[0]).toMatchObject({ status });
    expect(sent[0]!.query).toContain('$deltatoken=');
    expectFullRead(sent.slice(1));
    expect(byId(users)).toEqual(byId(await read()));
    expect(log.lines).toEqual([`notice: Graph refused the cached delta link (${status} ${code}); reading every user again`]);
    expect(store.value!.deltaLink).not.toBe(staleLink);

    const next = await requestsOf(() => read(store));
    expect(next).toHaveLength(1);
    expect(next[0]).toMatchObject({ status: 200 });
    expect(next[0]!.query).toContain('$deltatoken=');
  });

  it.each([
    ['a garbled $deltatoken', (link: string) => link.replace(/\$deltatoken=[^&]*/, '$deltatoken=Z2FyYmxlZA')],
    ['a garbled $skiptoken', (link: string) => link.replace(/\$deltatoken=[^&]*/, '$skiptoken=bm90LWpzb24')],
  ])('%s (edited or corrupted state) is replaced after one full read', async (_what, garble) => {
    const store = memoryStore();
    await read(store);
    em.directory.deleteUser([...em.directory.users.keys()][0]!);
    store.value = { ...store.value!, deltaLink: garble(store.value!.deltaLink) };
    const log = notices();
    const sent = await requestsOf(() => read(store, log));
    expect(sent[0]).toMatchObject({ status: 400 });
    expectFullRead(sent.slice(1));
    expect(log.lines).toEqual(['notice: Graph refused the cached delta link (400 Request_BadRequest); reading every user again']);
    expect(store.value.deltaLink).toContain('$deltatoken=');
    expect(await requestsOf(() => read(store))).toHaveLength(1);
  });
});

describe('failures that are not about the link keep it and fail', () => {
  const cases: [string, () => void, RegExp][] = [
    [
      'consent withdrawn (403)',
      () => void (em.directory.apps.get(CLIENT_ID)!.consent = 'missing-graph'),
      /^Microsoft Graph denied app .*\(Authorization_RequestDenied\)$/,
    ],
    [
      'a token Graph does not accept (401)',
      () => void (em.auth.tokenLifetime = -60),
      /^Microsoft Graph refused the access token of app .*\(InvalidAuthenticationToken\)/,
    ],
    ['a 500 from Graph', () => em.faults.add({ kind: 'error', status: 500, every: 1 }), /^Graph GET \/v1\.0\/users\/delta failed: 500 generalException/],
    [
      'throttling past max_wait_seconds',
      () => em.faults.add({ kind: 'throttle', every: 1, retryAfter: '60' }),
      /^Microsoft Graph is still throttled \(429\) .*gave up/,
    ],
  ];

  it.each(cases)('%s', async (_what, breakIt, message) => {
    const store = memoryStore();
    await read(store);
    const cached = JSON.stringify(store.value);
    const before = em.graphRequests().length;
    breakIt();
    const log = notices();
    const err: unknown = await read(store, log).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(message);
    expect(log.lines).toEqual([]);
    expect(JSON.stringify(store.value)).toBe(cached);
    // No full read was started: every Graph request carried the cached token.
    const sent = em.graphRequests().slice(before);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((r) => r.query.includes('$deltatoken='))).toBe(true);
  });
});

describe('a first read when Graph does not take $deltatoken=latest', () => {
  it.each([
    ['ignores it (starts a full enumeration: items and a nextLink)', 'ignored', 200, 15],
    ['ignores it (one page of items and a deltaLink)', 'ignored', 200, 999],
    ['refuses it (400)', 'refused', 400, 15],
  ] as const)('Graph %s: the whole delta query is walked instead; the users and the next incremental read are right', async (_what, how, status, pageSize) => {
    em.graph.options.deltaLatest = how;
    em.graph.options.maxPageSize = pageSize; // caps Prefer: odata.maxpagesize=999 too
    const store = memoryStore();
    const log = notices();
    let users: DirectoryUser[] = [];
    const sent = await requestsOf(async () => (users = await read(store, log)));
    expect(byId(users)).toEqual(byId(await read()));
    expect(users).toHaveLength(40);
    expect(sent[0]).toMatchObject({ status, path: '/v1.0/users/delta' });
    expect(sent[0]!.query).toContain('$deltatoken=latest');
    const walk = sent.slice(1);
    expect(walk.map((r) => [r.status, r.path])).toEqual(Array.from({ length: Math.ceil(40 / pageSize) }, () => [200, '/v1.0/users/delta']));
    expect(walk[0]!.query).not.toMatch(/\$(delta|skip)token=/);
    expect(log.lines).toEqual([]);
    expect(store.value!.deltaLink).not.toContain('latest');

    // The cached link is the walk's: what changes after it comes with the next (single) delta request.
    const [changed, gone] = [...em.directory.users.keys()];
    em.directory.updateUser(changed!, { displayName: 'Changed Later' });
    em.directory.deleteUser(gone!);
    const next = await requestsOf(async () => (users = await read(store, log)));
    expect(next).toHaveLength(1);
    expect(next[0]!.query).toContain('$deltatoken=');
    expect(byId(users)).toEqual(byId(await read()));
    expect(users.find((u) => u.id === changed)!.displayName).toBe('Changed Later');
  });

  it('a failure that is not about the parameter (a 500) fails the read, with no walk, and caches nothing', async () => {
    em.faults.add({ kind: 'error', status: 500, every: 1 });
    const store = memoryStore();
    let failure: unknown;
    const sent = await requestsOf(() => read(store).catch((err: unknown) => void (failure = err)));
    expect(String(failure)).toMatch(/Graph GET \/users\/delta failed: 500 generalException/);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((r) => r.query.includes('$deltatoken=latest'))).toBe(true);
    expect(store.value).toBeUndefined();
  });
});
