/**
 * Throw-away PostgreSQL databases for the bench, made with a role that may CREATE DATABASE
 * (PBXSYNC_BENCH_POSTGRES_URL, else PBXSYNC_TEST_POSTGRES_URL, as the tests do): one per
 * (size) run and one for the insert floor, each dropped again (WITH FORCE) by the cleanup.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Cleanup } from './cleanup.js';

export const KAMAILIO_SQL_DIR = process.env.PBXSYNC_TEST_KAMAILIO_SQL_DIR ?? '/usr/share/kamailio/postgres';

export function adminUrl(): string | undefined {
  return process.env.PBXSYNC_BENCH_POSTGRES_URL || process.env.PBXSYNC_TEST_POSTGRES_URL || undefined;
}

async function withAdmin<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** CREATE DATABASE fails (55006) while another session is connected to template1, e.g. another CREATE: retried a few times. */
async function createWithRetry(admin: string, name: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await withAdmin(admin, (c) => c.query(`CREATE DATABASE ${name}`));
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== '55006' || attempt >= 10) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}

/** A new empty database; its URL, and the cleanup step that drops it (call it to drop it now). */
export async function createDatabase(admin: string, cleanup: Cleanup, label: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `pbxsync_bench_${label}_${randomBytes(4).toString('hex')}`;
  await createWithRetry(admin, name);
  const drop = cleanup.add(`database ${name}`, () => withAdmin(admin, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)));
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop };
}

/** user@host:port/db, never the password. */
export function describeUrl(url: string): string {
  const u = new URL(url);
  return `${decodeURIComponent(u.username)}@${u.hostname}:${u.port || 5432}${u.pathname}`;
}
