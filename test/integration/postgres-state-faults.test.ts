/**
 * The PostgreSQL state store when connections fail: nothing crashes the process (an idle
 * pool connection that dies emits 'error'), every failure is one line naming the database
 * without its password, and close() leaves nothing open, whatever happened before.
 */
import { createServer, type Socket } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { EMPTY_STORED_STATE } from '../../src/model/stored-state.js';
import { openPostgresKeyv } from '../../src/state/postgres-state.js';
import { openStateStore, type StateStore } from '../../src/state/state-store.js';
import {
  PG_SKIP_REASON,
  PG_URL,
  backendsOf,
  createDatabase,
  dropDatabases,
  openSockets,
  socketsBackTo,
  terminateBackend,
  waitFor,
  waitForBackend,
  withClient,
} from '../support/postgres.js';

afterAll(dropDatabases);

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.allSettled(cleanups.splice(0).map((c) => c()));
});

function store(url: string): StateStore {
  const opened = openStateStore(url);
  cleanups.push(() => opened.close());
  return opened;
}

const APP = 'pbxsync state';

function expectOneLine(error: unknown, message: RegExp): UserError {
  expect(error).toBeInstanceOf(UserError);
  const e = error as UserError;
  expect(e.message).toMatch(message);
  expect(e.message).not.toContain('\n');
  const password = new URL(PG_URL).password;
  if (password) expect(`${e.message} ${e.hint ?? ''}`).not.toContain(password);
  return e;
}

const hasPassword = PG_URL !== '' && new URL(PG_URL).password !== '';

describe.skipIf(!PG_URL)(`PostgreSQL state store faults${PG_URL ? '' : ` (${PG_SKIP_REASON})`}`, () => {
  it('an idle pooled connection that dies does not crash the process, and the next call reconnects', async () => {
    const url = await createDatabase();
    const baseline = openSockets();
    const state = store(url);
    expect(await state.load('acme')).toEqual(EMPTY_STORED_STATE);
    const sessions = await backendsOf(url, APP);
    expect(sessions.length).toBeGreaterThan(0);
    for (const s of sessions) await terminateBackend(url, s.pid);
    // The pool sees the death (and emits 'error') when the socket closes: wait for that.
    await socketsBackTo(baseline);
    expect(await state.load('acme')).toEqual(EMPTY_STORED_STATE);
  });

  it('close() ends the pool: no session and no socket left', async () => {
    const url = await createDatabase();
    const baseline = openSockets();
    const state = openStateStore(url);
    await state.save('acme', EMPTY_STORED_STATE);
    await state.close();
    await state.close();
    await socketsBackTo(baseline);
    await waitFor('no state session left', async () => (await backendsOf(url, APP)).length === 0);
  });

  it('two stores on two databases each end their own pool', async () => {
    const [a, b] = [await createDatabase(), await createDatabase()];
    const baseline = openSockets();
    const one = openStateStore(a);
    await one.load('acme');
    const two = openStateStore(b);
    await two.load('acme');
    await one.close();
    // The other store still works after the first one closed.
    expect(await two.load('acme')).toEqual(EMPTY_STORED_STATE);
    await two.close();
    await socketsBackTo(baseline);
  });

  it.skipIf(!hasPassword)('a failed login ends its connection and is one line; close() still resolves', async () => {
    const none = new URL(PG_URL);
    none.password = '';
    const baseline = openSockets();
    const state = openStateStore(none.toString());
    expectOneLine(await state.load('acme').catch((e: unknown) => e), /^the state database \S+ asks for a password, and the URL has none$/);
    // No close() yet: the failed connect itself must leave nothing behind.
    await socketsBackTo(baseline);
    await state.close();
    await state.close();
  });

  it('a missing state database: one line, and no `pbx init` in the hint (the state table needs none)', async () => {
    const missing = new URL(PG_URL);
    missing.pathname = '/pbxsync_no_such_state_db';
    const e = expectOneLine(
      await store(missing.toString())
        .load('acme')
        .catch((err: unknown) => err),
      /^the state database \S+\/pbxsync_no_such_state_db does not exist$/,
    );
    expect(e.hint).toMatch(/createdb pbxsync_no_such_state_db/);
    expect(e.hint).not.toMatch(/pbx init/);
  });

  it('a connection lost during a query is one line', async () => {
    const url = await createDatabase();
    const state = store(url);
    await state.load('acme');
    const pg = (await import('pg')).default;
    const blocker = new pg.Client({ connectionString: url });
    blocker.on('error', () => undefined);
    cleanups.push(() => blocker.end());
    await blocker.connect();
    await blocker.query('BEGIN; LOCK TABLE pbxsync_state IN ACCESS EXCLUSIVE MODE');
    const loading = state.load('acme').catch((e: unknown) => e);
    const waiting = await waitForBackend(url, APP, 'the load to wait for the table lock', (b) => b.wait_event_type === 'Lock');
    await terminateBackend(url, waiting.pid);
    const e = expectOneLine(await loading, /^the state database \S+ ended the connection/);
    expect(e.hint).toMatch(/retry/);
    await blocker.query('ROLLBACK');
  });

  it('a role that may not create the state table gets one line, not "relation does not exist"', async () => {
    const url = await createDatabase();
    await withClient(url, (c) => c.query('REVOKE CREATE ON SCHEMA public FROM pg_database_owner'));
    const state = store(url);
    const e = expectOneLine(await state.load('acme').catch((err: unknown) => err), /^\S+ may not create tables in the state database \S+$/);
    expect(e.hint).toMatch(/GRANT CREATE ON SCHEMA/);
    expect(e.hint).toMatch(/pbxsync_state/);
  });

  it('a server that never answers: the connect times out in one line, and close() does not wait for it', async () => {
    const sockets = new Set<Socket>();
    const server = createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
      s.resume();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    });
    const url = `postgres://someone:pw@127.0.0.1:${(server.address() as { port: number }).port}/state`;
    const baseline = openSockets();

    const quick = openPostgresKeyv(url, { connectTimeoutMs: 300 });
    cleanups.push(() => quick.disconnect());
    expectOneLine(await quick.get('x').catch((e: unknown) => e), /^cannot connect to the state database \S+: 127\.0\.0\.1 does not answer$/);
    await quick.disconnect();

    const slow = openPostgresKeyv(url, { connectTimeoutMs: 60_000 });
    cleanups.push(() => slow.disconnect());
    const getting = slow.get('x').catch((e: unknown) => e);
    await waitFor('the connect to start', () => sockets.size > 1);
    const started = Date.now();
    await slow.disconnect();
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(await getting).toBeInstanceOf(Error);
    await socketsBackTo(baseline);
  });
});
