/**
 * The PostgreSQL provider and tenant lock when connections fail: every failure is one line
 * (a UserError without the password), no connection is left open, nothing hangs. The
 * server is shared, so it is never restarted: a lost connection is a `pg_terminate_backend`
 * from another session, at a point the test waits for in pg_stat_activity.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { UserError } from '../../src/errors.js';
import { PostgresPbxProvider } from '../../src/pbx/postgres-provider.js';
import { HOLD_ENV, HOLD_MARKER } from '../../src/pbx/test-hold.js';
import {
  KAMAILIO_SQL_DIR,
  PG_SKIP_REASON,
  PG_URL,
  backendsOf,
  createDatabase,
  dropDatabases,
  dumpPg,
  openSockets,
  socketsBackTo,
  terminateBackend,
  urlFor,
  waitFor,
  waitForBackend,
  withClient,
} from '../support/postgres.js';
import { ops, userOps } from '../support/row-ops.js';
import { tempDir } from '../support/tmp.js';

afterAll(dropDatabases);

/** Everything a test opened, closed even when it fails. */
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.allSettled(cleanups.splice(0).map((c) => c()));
});

function provider(url: string, options: ConstructorParameters<typeof PostgresPbxProvider>[1] = {}): PostgresPbxProvider {
  const pbx = new PostgresPbxProvider(url, { busyTimeoutMs: 30_000, ...options });
  cleanups.push(() => pbx.close());
  return pbx;
}

/** A session of the test's own that holds something (a lock) until the test ends. */
async function holder(url: string): Promise<import('pg').Client> {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: url, application_name: 'pbxsync-test-holder' });
  client.on('error', () => undefined);
  cleanups.push(() => client.end());
  await client.connect();
  return client;
}

async function seeded(): Promise<{ url: string; before: Record<string, unknown[]> }> {
  const url = await createDatabase({ kamailio: true });
  const pbx = new PostgresPbxProvider(url);
  try {
    await pbx.apply({ ...userOps('a.example', 3), createDomain: { did: 'a', attrs: { k: 'v' } } });
  } finally {
    await pbx.close();
  }
  return { url, before: await dumpPg(url) };
}

/** The changes the apply tests try to make (all of which must be rolled back). */
const CHANGES = ops('a.example', {
  deleteSubscribers: ['user1'],
  insertSubscribers: [{ username: 'new', password: '', ha1: 'h', ha1b: 'hb' }],
});

function expectOneLine(error: unknown, message: RegExp): UserError {
  expect(error).toBeInstanceOf(UserError);
  const e = error as UserError;
  expect(e.message).toMatch(message);
  expect(e.message).not.toContain('\n');
  const password = new URL(PG_URL).password;
  if (password) expect(`${e.message} ${e.hint ?? ''}`).not.toContain(password);
  return e;
}

/** A URL without the password, for a server that asks for one. */
function withoutPassword(): string {
  const none = new URL(PG_URL);
  none.password = '';
  return none.toString();
}

const hasPassword = PG_URL !== '' && new URL(PG_URL).password !== '';

describe.skipIf(!PG_URL)(`PostgreSQL connection faults${PG_URL ? '' : ` (${PG_SKIP_REASON})`}`, () => {
  it.skipIf(!hasPassword)('a failed login ends its connection (a half-authenticated one would stall DROP DATABASE for a minute)', async () => {
    const baseline = openSockets();
    const wrong = new URL(PG_URL);
    wrong.password = 'not-the-password-s3cret';
    for (const url of [withoutPassword(), wrong.toString(), urlFor('pbxsync_no_such_db')]) {
      const pbx = provider(url);
      expectOneLine(await pbx.read('a.example', 't').catch((e: unknown) => e), /^(the PBX database|cannot connect)/);
      // No close(): the failed connect itself must leave nothing behind.
      await socketsBackTo(baseline);
      const lock = await pbx.lock('a.example', { timeoutMs: 0 }).catch((e: unknown) => e);
      expectOneLine(lock, /^(the PBX database|cannot connect)/);
      await socketsBackTo(baseline);
    }
  });

  it('close() while connect() is in flight ends that connection, and the read fails', async () => {
    const url = await createDatabase({ kamailio: true });
    const baseline = openSockets();
    const pbx = provider(url);
    const reading = pbx.read('a.example', 't').then(
      () => 'resolved',
      (e: unknown) => e,
    );
    await pbx.close();
    expect(await reading).toBeInstanceOf(Error);
    await socketsBackTo(baseline);
    await waitFor('no pbxsync session left in the test database', async () => (await backendsOf(url, 'pbxsync')).length === 0);
  });

  it('close() during a read ends the connection, and the read fails', async () => {
    const url = await createDatabase({ kamailio: true });
    const blocker = await holder(url);
    await blocker.query('BEGIN; LOCK TABLE subscriber IN ACCESS EXCLUSIVE MODE');
    const baseline = openSockets();
    const pbx = provider(url);
    const reading = pbx.read('a.example', 't').catch((e: unknown) => e);
    await waitForBackend(url, 'pbxsync', 'the read to wait for the table lock', (b) => b.wait_event_type === 'Lock');
    await pbx.close();
    expect(await reading).toBeInstanceOf(Error);
    await socketsBackTo(baseline);
    // A backend waiting for a lock notices its client is gone only once the wait is over.
    await blocker.query('ROLLBACK');
    await waitFor('no pbxsync session left', async () => (await backendsOf(url, 'pbxsync')).length === 0);
  });

  it('two reads at once share one connection', async () => {
    const url = await createDatabase({ kamailio: true });
    const pbx = provider(url);
    await Promise.all([pbx.read('a.example', 't'), pbx.read('b.example', 't')]);
    expect(await backendsOf(url, 'pbxsync')).toHaveLength(1);
  });

  it("a connection lost while the apply's transaction is open (idle in it): one line, nothing written, and the next call reconnects", async () => {
    const { url, before } = await seeded();
    const pbx = provider(url);
    const marker = new Promise<void>((resolve) => {
      const write: (chunk: string | Uint8Array) => boolean = process.stderr.write.bind(process.stderr);
      const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
        if (String(chunk).includes(HOLD_MARKER)) resolve();
        return write(chunk);
      });
      cleanups.push(async () => spy.mockRestore());
    });
    const saved = process.env[HOLD_ENV];
    process.env[HOLD_ENV] = '30000';
    let error: unknown;
    try {
      const applying = pbx.apply(CHANGES).catch((e: unknown) => e);
      await Promise.race([marker, applying.then(() => Promise.reject(new Error('the apply ended before holding its transaction')))]);
      const held = await waitForBackend(url, 'pbxsync', "the apply's open transaction", (b) => b.state === 'idle in transaction');
      await terminateBackend(url, held.pid);
      error = await applying;
    } finally {
      if (saved === undefined) delete process.env[HOLD_ENV];
      else process.env[HOLD_ENV] = saved;
    }
    const e = expectOneLine(error, /^the connection to the PBX database \S+ was lost during the apply; nothing was written$/);
    expect(e.hint).toMatch(/retry/);
    expect(await dumpPg(url)).toEqual(before);
    expect((await pbx.read('a.example', 't')).subscribers).toHaveLength(3);
  });

  it("a connection lost while an apply's statement runs: one line, nothing written", async () => {
    const { url, before } = await seeded();
    const blocker = await holder(url);
    await blocker.query('BEGIN; LOCK TABLE domain IN ACCESS EXCLUSIVE MODE');
    const pbx = provider(url);
    const applying = pbx.apply(CHANGES).catch((e: unknown) => e);
    const waiting = await waitForBackend(url, 'pbxsync', 'the apply to wait for the table lock', (b) => b.wait_event_type === 'Lock');
    await terminateBackend(url, waiting.pid);
    expectOneLine(await applying, /^the connection to the PBX database \S+ was lost during the apply; nothing was written$/);
    await blocker.query('ROLLBACK');
    expect(await dumpPg(url)).toEqual(before);
  });

  it('a connection lost while COMMIT is in flight: says the outcome is unknown and how to find out', async () => {
    const { url, before } = await seeded();
    // A deferred trigger makes COMMIT wait for an advisory lock the test holds: the apply is
    // then exactly at "COMMIT sent, no answer yet".
    await withClient(url, (c) =>
      c.query(`CREATE FUNCTION wait_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_lock(4242); RETURN NULL; END $$;
        CREATE CONSTRAINT TRIGGER wait_at_commit AFTER INSERT OR DELETE ON subscriber DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION wait_at_commit()`),
    );
    const blocker = await holder(url);
    await blocker.query('SELECT pg_advisory_lock(4242)');
    const pbx = provider(url);
    const applying = pbx.apply(CHANGES).catch((e: unknown) => e);
    const committing = await waitForBackend(url, 'pbxsync', 'the COMMIT to wait', (b) => b.query === 'COMMIT' && b.wait_event_type === 'Lock');
    await terminateBackend(url, committing.pid);
    const e = expectOneLine(
      await applying,
      /^the connection to the PBX database \S+ was lost while the apply was committing: whether it took effect is unknown$/,
    );
    expect(e.hint).toMatch(/pbxsync plan/);
    expect(await dumpPg(url)).toEqual(before);
  });

  it('a connection lost during a read: one line', async () => {
    const { url } = await seeded();
    const blocker = await holder(url);
    await blocker.query('BEGIN; LOCK TABLE subscriber IN ACCESS EXCLUSIVE MODE');
    const pbx = provider(url);
    const reading = pbx.read('a.example', 't').catch((e: unknown) => e);
    const waiting = await waitForBackend(url, 'pbxsync', 'the read to wait for the table lock', (b) => b.wait_event_type === 'Lock');
    await terminateBackend(url, waiting.pid);
    expectOneLine(await reading, /^the connection to the PBX database \S+ was lost while reading$/);
  });

  it('an idle connection that dies is replaced on the next call', async () => {
    const { url } = await seeded();
    const pbx = provider(url);
    await pbx.read('a.example', 't');
    const [idle] = await backendsOf(url, 'pbxsync');
    await terminateBackend(url, idle!.pid);
    await waitFor('the session to be gone', async () => (await backendsOf(url, 'pbxsync')).length === 0);
    expect((await pbx.read('a.example', 't')).subscribers).toHaveLength(3);
  });

  it('a NUL character in a value: one line, nothing written', async () => {
    const { url, before } = await seeded();
    const pbx = provider(url);
    const error = await pbx
      .apply(ops('a.example', { insertSubscribers: [{ username: 'bad\u0000name', password: '', ha1: 'h', ha1b: 'hb' }] }))
      .catch((e: unknown) => e);
    expectOneLine(error, /^a value contains a character PostgreSQL cannot store \(NUL\).*; nothing was written$/);
    expect(await dumpPg(url)).toEqual(before);
  });

  it("a character the database's encoding lacks: one line, nothing written", async () => {
    const url = await createDatabase({ kamailio: true, encoding: 'LATIN1' });
    const pbx = provider(url);
    await pbx.apply(userOps('a.example', 1));
    const before = await dumpPg(url);
    const error = await pbx
      .apply(ops('a.example', { insertSubscribers: [{ username: 'smile\u{1F600}', password: '', ha1: 'h', ha1b: 'hb' }] }))
      .catch((e: unknown) => e);
    expectOneLine(error, /^a value contains a character the encoding of the PBX database \S+ cannot store; nothing was written$/);
    expect(await dumpPg(url)).toEqual(before);
  });

  it('init: a connection lost half-way is one line, and init can simply run again', async () => {
    const url = await createDatabase();
    const blocker = await holder(url);
    // init serialises on this advisory lock (pbxsync's namespace, 0) before creating anything.
    await blocker.query('SELECT pg_advisory_lock(1885501555, 0)');
    const pbx = provider(url, { sqlDir: KAMAILIO_SQL_DIR });
    const initing = pbx.init().catch((e: unknown) => e);
    const waiting = await waitForBackend(url, 'pbxsync', 'init to wait for its lock', (b) => b.wait_event_type === 'Lock');
    await terminateBackend(url, waiting.pid);
    const e = expectOneLine(await initing, /^the connection to the PBX database \S+ was lost during init$/);
    expect(e.hint).toMatch(/pbxsync pbx init/);
    await blocker.query('SELECT pg_advisory_unlock(1885501555, 0)');
    await pbx.init();
    await pbx.checkSchema();
  });

  it('init without the right to create tables: one line', async () => {
    const url = await createDatabase();
    await withClient(url, (c) => c.query('REVOKE CREATE ON SCHEMA public FROM pg_database_owner'));
    const pbx = provider(url, { sqlDir: KAMAILIO_SQL_DIR });
    const e = expectOneLine(await pbx.init().catch((err: unknown) => err), /may not create tables in the PBX database \S+$/);
    expect(e.hint).toMatch(/GRANT CREATE ON SCHEMA/);
  });

  it('the tenant lock: release() after its connection died resolves and closes everything', async () => {
    const url = await createDatabase({ kamailio: true });
    const baseline = openSockets();
    const pbx = provider(url);
    const lock = await pbx.lock('a.example', { timeoutMs: 0, tenant: 'acme' });
    const [session] = await backendsOf(url, 'pbxsync apply%');
    await terminateBackend(url, session!.pid);
    await socketsBackTo(baseline);
    await lock.release();
    await lock.release();
    await socketsBackTo(baseline);
  });

  it('a connection lost while waiting for the tenant lock: one line, nothing left open', async () => {
    const url = await createDatabase({ kamailio: true });
    const baseline = openSockets();
    const [one, two] = [provider(url), provider(url)];
    const held = await one.lock('a.example', { timeoutMs: 0, tenant: 'acme' });
    cleanups.push(() => held.release());
    const waiting = two.lock('a.example', { timeoutMs: 60_000, tenant: 'acme' }).catch((e: unknown) => e);
    const sessions = await waitFor('the second lock session', async () => {
      const all = await backendsOf(url, 'pbxsync apply%');
      return all.length === 2 ? all : undefined;
    });
    // The waiter is the session that does not hold the advisory lock.
    const holding = await withClient(
      url,
      async (c) =>
        (
          await c.query<{ pid: number }>(`SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = ANY($1::int[])`, [
            sessions.map((s) => s.pid),
          ])
        ).rows[0],
    );
    const waiter = sessions.find((s) => s.pid !== holding!.pid)!;
    await terminateBackend(url, waiter.pid);
    expectOneLine(await waiting, /^the connection to the PBX database \S+ was lost/);
    await held.release();
    await socketsBackTo(baseline);
  });
});

describe.skipIf(!PG_URL)(`PostgreSQL tenant lock lost, init scripts that fail, URLs pg cannot take${PG_URL ? '' : ` (${PG_SKIP_REASON})`}`, () => {
  it("an apply refuses to commit once the tenant lock's session is gone (another pbxsync may hold it now)", async () => {
    const { url, before } = await seeded();
    const pbx = provider(url);
    const lock = await pbx.lock('t', { timeoutMs: 0, tenant: 'acme' });
    cleanups.push(() => lock.release());
    const baseline = openSockets();
    const [session] = await backendsOf(url, 'pbxsync apply%');
    await terminateBackend(url, session!.pid);
    await socketsBackTo(baseline - 1);
    const e = expectOneLine(await pbx.apply(CHANGES).catch((err: unknown) => err), /^the lock on tenant acme was lost .*; nothing was written$/);
    expect(e.hint).toMatch(/run it again/);
    expect(await dumpPg(url)).toEqual(before);
    // Released, the lock no longer stands in the way; a new one works as before.
    await lock.release();
    const again = await pbx.lock('t', { timeoutMs: 0, tenant: 'acme' });
    await pbx.apply(CHANGES);
    await again.release();
  });

  it('init with scripts PostgreSQL cannot run (e.g. --sql-dir at the MySQL ones): one line, nothing created', async () => {
    const { cpSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const dir = tempDir('pbxsync-sql-');
    cpSync(KAMAILIO_SQL_DIR, dir, { recursive: true });
    writeFileSync(join(dir, 'auth_db-create.sql'), 'CREATE TABLE subscriber (id INT(10) UNSIGNED AUTO_INCREMENT PRIMARY KEY NOT NULL) ENGINE=InnoDB;\n');
    const url = await createDatabase();
    const pbx = provider(url, { sqlDir: dir });
    const e = expectOneLine(
      await pbx.init().catch((err: unknown) => err),
      /^Kamailio's PostgreSQL scripts in \S+ failed on the PBX database \S+: syntax error .*; nothing was created$/,
    );
    expect(e.hint).toMatch(/--sql-dir/);
    const tables = await withClient(url, (c) => c.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'`));
    expect(tables.rows[0].n).toBe(0);
  });

  it('a URL pg cannot decode is one line, not a URIError', () => {
    for (const url of ['postgres://us%zzer@localhost/db', 'postgres://localhost/d%zzb', 'postgres://u:pa%zzss@localhost/db']) {
      expectOneLine(
        (() => {
          try {
            return new PostgresPbxProvider(url);
          } catch (err) {
            return err;
          }
        })(),
        /^the PostgreSQL PBX URL/,
      );
    }
  });
});

describe.skipIf(!PG_URL)(`PostgreSQL connection to a server that does not answer${PG_URL ? '' : ` (${PG_SKIP_REASON})`}`, () => {
  /** Accepts connections and never says a word, like a hung server or a firewall that lets SYN through. */
  async function silentServer(): Promise<{ url: string; server: Server }> {
    const sockets = new Set<Socket>();
    const server = createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
      // Read (and drop) what the client sends, so that its close is seen and this side closes too.
      s.resume();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    });
    const port = (server.address() as { port: number }).port;
    return { url: `postgres://someone:pw@127.0.0.1:${port}/kamailio`, server };
  }

  it('gives up connecting after the connect timeout, in one line', async () => {
    const { url } = await silentServer();
    const baseline = openSockets();
    const pbx = provider(url, { connectTimeoutMs: 300 });
    expectOneLine(await pbx.read('a.example', 't').catch((e: unknown) => e), /^cannot connect to the PBX database \S+: 127\.0\.0\.1 does not answer$/);
    expectOneLine(
      await pbx.lock('a.example', { timeoutMs: 0 }).catch((e: unknown) => e),
      /^cannot connect to the PBX database \S+: 127\.0\.0\.1 does not answer$/,
    );
    await socketsBackTo(baseline);
  });

  it('close() while connecting to it resolves at once and closes the socket', async () => {
    const { url } = await silentServer();
    const baseline = openSockets();
    const pbx = provider(url, { connectTimeoutMs: 60_000 });
    const reading = pbx.read('a.example', 't').catch((e: unknown) => e);
    await waitFor('the socket to open', () => openSockets() > baseline);
    await pbx.close();
    expect(await reading).toBeInstanceOf(Error);
    await socketsBackTo(baseline, 5_000);
  });
});
