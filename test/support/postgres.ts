/**
 * A real PostgreSQL for the tests, from PBXSYNC_TEST_POSTGRES_URL (set by .ci/run): a role
 * that may CREATE DATABASE. Each test file gets fresh databases, with Kamailio's tables
 * created by Kamailio's own scripts (PBXSYNC_TEST_KAMAILIO_SQL_DIR, default Debian's path).
 * Without the variable the suites that need it are skipped, saying why.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

export const PG_URL = process.env.PBXSYNC_TEST_POSTGRES_URL ?? '';
export const KAMAILIO_SQL_DIR = process.env.PBXSYNC_TEST_KAMAILIO_SQL_DIR ?? '/usr/share/kamailio/postgres';
export const PG_SKIP_REASON = 'PBXSYNC_TEST_POSTGRES_URL is not set (.ci/run sets it): PostgreSQL tests skipped';

if (!PG_URL) process.stderr.write(`note: ${PG_SKIP_REASON}\n`);

/** The scripts that create pbxsync's tables, as `kamdbctl create` would run them. */
const KAMAILIO_SCRIPTS = ['standard-create.sql', 'auth_db-create.sql', 'alias_db-create.sql', 'avpops-create.sql', 'domain-create.sql'];

export function urlFor(database: string, base = PG_URL): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  try {
    // Inside the try: a failed login must end its half-open connection too (see openSockets).
    await client.connect();
    return await fn(client);
  } finally {
    await client.end();
  }
}

const created: string[] = [];

/**
 * CREATE DATABASE copies template1 and fails (55006) while another session happens to be
 * connected to it; test files run in parallel, so try again a few times.
 */
async function createWithRetry(name: string, encoding?: string): Promise<void> {
  // Another encoding than template1's needs template0 and a locale that fits any encoding.
  const options = encoding ? ` ENCODING '${encoding}' TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'` : '';
  for (let attempt = 1; ; attempt++) {
    try {
      await withClient(PG_URL, (c) => c.query(`CREATE DATABASE ${name}${options}`));
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== '55006' || attempt >= 10) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}

/** A new empty database (UTF8 unless `encoding` says otherwise); with `kamailio: true`, Kamailio's scripts are loaded into it. */
export async function createDatabase(options: { kamailio?: boolean; encoding?: 'LATIN1' } = {}): Promise<string> {
  const name = `pbxsync_t_${randomBytes(5).toString('hex')}`;
  await createWithRetry(name, options.encoding);
  created.push(name);
  const url = urlFor(name);
  if (options.kamailio) await loadKamailioScripts(url);
  return url;
}

async function loadKamailioScripts(url: string, scripts = KAMAILIO_SCRIPTS): Promise<void> {
  await withClient(url, async (c) => {
    for (const file of scripts) await c.query(readFileSync(join(KAMAILIO_SQL_DIR, file), 'utf8'));
  });
}

/** Drops every database this test file created (connections first). */
export async function dropDatabases(): Promise<void> {
  if (!PG_URL) return;
  await withClient(PG_URL, async (c) => {
    for (const name of created.splice(0)) {
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  });
}

/** Every row of pbxsync's tables, ids and timestamps included, in id order. */
export async function dumpPg(url: string): Promise<Record<string, unknown[]>> {
  return withClient(url, async (c) => {
    const out: Record<string, unknown[]> = {};
    for (const t of ['version', 'subscriber', 'dbaliases', 'usr_preferences', 'domain', 'domain_attrs']) {
      out[t] = (await c.query(`SELECT * FROM ${t} ORDER BY id`)).rows;
    }
    return out;
  });
}

/**
 * Client sockets this test process has open. A half-authenticated PostgreSQL login is not in
 * pg_stat_activity, but it holds a server backend until authentication_timeout and stalls
 * every DROP DATABASE on the server meanwhile; its socket shows here.
 */
export function openSockets(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
}

/**
 * Polls `probe` until it returns something other than undefined/false, failing after
 * `timeoutMs`: the tests wait for a signal (a row in pg_stat_activity, a closed socket),
 * never for a fixed time.
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Waits until this process has at most `count` client sockets open (they close asynchronously). */
export async function socketsBackTo(count: number, timeoutMs = 10_000): Promise<void> {
  await waitFor(`open client sockets to drop to ${count} (now ${openSockets()})`, () => openSockets() <= count, timeoutMs);
}

export interface Backend {
  readonly pid: number;
  readonly state: string | null;
  readonly query: string;
  readonly wait_event_type: string | null;
}

/** The sessions connected to `url`'s database under `applicationName` (exact, or a LIKE pattern). */
export async function backendsOf(url: string, applicationName: string): Promise<Backend[]> {
  return withClient(
    url,
    async (c) =>
      (
        await c.query<Backend>(
          `SELECT pid, state, query, wait_event_type FROM pg_stat_activity
         WHERE datname = current_database() AND application_name LIKE $1 AND pid <> pg_backend_pid() ORDER BY pid`,
          [applicationName],
        )
      ).rows,
  );
}

/** Waits (bounded) for the session under `applicationName` that `match` picks, and returns it. */
export async function waitForBackend(url: string, applicationName: string, what: string, match: (b: Backend) => boolean): Promise<Backend> {
  return waitFor(what, async () => (await backendsOf(url, applicationName)).find(match));
}

/** Ends a server session, as a restart or an administrator would. */
export async function terminateBackend(url: string, pid: number): Promise<void> {
  await withClient(url, (c) => c.query('SELECT pg_terminate_backend($1)', [pid]));
}
