/**
 * The tenant lock on PostgreSQL: a session-level advisory lock, on its own connection, keyed
 * by (pbxsync's namespace, hash of the domain). The server drops it when the connection goes
 * away, so a killed pbxsync never leaves a tenant locked. The holder is found through pg_locks
 * and pg_stat_activity: each pbxsync names itself in `application_name`, and the start of the
 * lock connection's last query (the successful `pg_try_advisory_lock`) tells since when.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { selfDescription, waitForLock } from './lock-wait.js';
import { END_GRACE_MS, connectPg, connectionLost, endClient, isConnectionLoss, isLost, newPgClient, pgGuard, within } from './postgres-errors.js';
import type { PgTarget } from './postgres-url.js';
import type { LockHolder, LockOptions, PbxLock } from './provider.js';

/** 'pbxs' as an int4: the first key of every pbxsync advisory lock, apart from other apps'. */
const LOCK_NAMESPACE = 0x70627873;

/** Second key: 32 bits of sha256(domain). A collision only makes two tenants wait for each other. */
function lockKey(domain: string): number {
  return createHash('sha256').update(domain.toLowerCase()).digest().readInt32BE(0);
}

/** PostgreSQL keeps 63 bytes of application_name. */
function applicationName(tenant: string): string {
  return `pbxsync apply ${tenant} ${selfDescription()}`.slice(0, 63);
}

const HOLDER_SQL = `
  SELECT a.application_name, a.usename, a.client_addr::text AS client, a.pid, a.query_start
  FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
  WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
    AND l.classid = $1::bigint::oid AND l.objid = ($2::bigint & 4294967295)::oid AND l.objsubid = 2
  LIMIT 1`;

async function holderOf(client: pg.Client, key: number): Promise<LockHolder | null> {
  const row = (
    await client.query<{ application_name: string; usename: string; client: string | null; pid: number; query_start: Date | null }>(HOLDER_SQL, [
      LOCK_NAMESPACE,
      key,
    ])
  ).rows[0];
  if (!row) return null;
  const who = row.application_name.startsWith('pbxsync ')
    ? row.application_name.replace(/^pbxsync apply \S+ /, '')
    : `${row.usename} from ${row.client ?? 'a local socket'} (server pid ${row.pid}, ${row.application_name || 'no application name'})`;
  return { who, since: row.query_start ? row.query_start.toISOString() : null };
}

export async function advisoryLock(target: PgTarget, domain: string, options: LockOptions, connectTimeoutMs: number): Promise<PgTenantLock> {
  // An idle connection that dies (server restart) must not crash the process (newPgClient
  // listens for 'error'): the apply's own connection reports the problem.
  const client = newPgClient(target, applicationName(options.tenant ?? domain), connectTimeoutMs);
  await connectPg(client, target);
  const key = lockKey(domain);
  try {
    // waitForLock hands back what the attempt below made: a connectionLock.
    return (await waitForLock(domain, options, () =>
      lockGuard(target, client, async () => {
        const got = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [LOCK_NAMESPACE, key]);
        if (got.rows[0]?.ok) return { lock: connectionLock(client, key) };
        return { holder: await holderOf(client, key) };
      }),
    )) as PgTenantLock;
  } catch (err) {
    await endClient(client);
    throw err;
  }
}

/** One attempt's errors in one line; the connection dying between attempts is "lost". */
async function lockGuard<T>(target: PgTarget, client: pg.Client, attempt: () => Promise<T>): Promise<T> {
  return pgGuard(target, async () => {
    try {
      return await attempt();
    } catch (err) {
      if (isConnectionLoss(err) || isLost(client)) throw connectionLost(target, 'lock');
      throw err;
    }
  });
}

/** The tenant lock, and whether its session is gone: the server then no longer holds it for us. */
export interface PgTenantLock extends PbxLock {
  lost(): boolean;
}

function connectionLock(client: pg.Client, key: number): PgTenantLock {
  let held = true;
  return {
    lost: () => isLost(client),
    release: async () => {
      if (!held) return;
      held = false;
      // Closing the session releases the lock anyway; unlocking first makes it free by the
      // time release() returns. Not on a dead connection (nothing left to unlock), and not
      // for long on a hung one: endClient then cuts the socket.
      if (!isLost(client)) await within(END_GRACE_MS, client.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_NAMESPACE, key]));
      await endClient(client);
    },
  };
}
