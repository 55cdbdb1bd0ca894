/**
 * A cached delta link Graph will not take any more (410, or 400/404 for a stale or garbled
 * token) costs one full read with a notice, and the new link replaces the bad one; errors that
 * are not about the link (consent, throttling, 5xx) still fail and keep the cached link.
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
  em = await acmeEmulator(); // 40 users, delta pages of 15
});
afterEach(async () => {
  await em.stop();
});

const byId = (users: readonly DirectoryUser[]) => [...users].sort((a, b) => a.id.localeCompare(b.id));
const noWait: RetryClock = { sleep: async () => undefined, random: () => 0.5, now: Date.now };

function memoryStore(): DeltaStore & { value: DeltaCache | undefined } {
  const store = { value: undefined as DeltaCache | undefined, load: async () => store.value, save: async (v: unknown) => void (store.value = JSON.parse(JSON.stringify(v)) as DeltaCache) };
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

/** Graph requests sent by `run`, as `status query` lines. */
async function requestsOf(run: () => Promise<unknown>): Promise<{ status: number; query: string }[]> {
  const before = em.graphRequests().length;
  await run();
  return em.graphRequests().slice(before).map((r) => ({ status: r.status, query: decodeURIComponent(r.query) }));
}

/** A full delta read of the 39 users left: three pages, the first without a token. */
function expectFullRead(sent: { status: number; query: string }[]): void {
  expect(sent.map((r) => r.status)).toEqual([200, 200, 200]);
  expect(sent[0]!.query).not.toMatch(/\$(delta|skip)token=/);
  expect(sent.slice(1).every((r) => r.query.includes('$skiptoken='))).toBe(true);
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
    expect(store.value!.deltaLink).toContain('$deltatoken=');
    expect(await requestsOf(() => read(store))).toHaveLength(1);
  });
});

describe('failures that are not about the link keep it and fail', () => {
  const cases: [string, () => void, RegExp][] = [
    ['consent withdrawn (403)', () => void (em.directory.apps.get(CLIENT_ID)!.consent = 'missing-graph'), /^Microsoft Graph denied app .*\(Authorization_RequestDenied\)$/],
    ['a token Graph does not accept (401)', () => void (em.auth.tokenLifetime = -60), /^Microsoft Graph refused the access token of app .*\(InvalidAuthenticationToken\)/],
    ['a 500 from Graph', () => em.faults.add({ kind: 'error', status: 500, every: 1 }), /^Graph GET \/v1\.0\/users\/delta failed: 500 generalException/],
    ['throttling past max_wait_seconds', () => em.faults.add({ kind: 'throttle', every: 1, retryAfter: '60' }), /^Microsoft Graph is still throttled \(429\) .*gave up/],
  ];

  it.each(cases)('%s', async (_what, breakIt, message) => {
    const store = memoryStore();
    await read(store);
    const cached = JSON.stringify(store.value);
    const before = em.graphRequests().length;
    breakIt();
    const log = notices();
    const err: unknown = await read(store, log).then(() => undefined, (e: unknown) => e);
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
