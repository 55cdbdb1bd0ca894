/** The SQLite tenant lock: a lock file next to the database, with the holder inside. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PbxLockTimeoutError } from '../../src/pbx/errors.js';
import { lockFile, lockFilePath } from '../../src/pbx/file-lock.js';
import { SqlitePbxProvider } from '../../src/pbx/sqlite-provider.js';
import { tempDir } from '../support/tmp.js';

function dbPath(): string {
  return join(tempDir('pbxsync-lock-'), 'pbx.sqlite');
}

/** The pid of a process that has exited: nobody can hold a lock with it. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('SQLite tenant lock (lock file)', () => {
  it('blocks the same tenant, names the holder on timeout, lets other tenants through', async () => {
    const db = dbPath();
    const pbx = new SqlitePbxProvider(db);
    const held = await pbx.lock('acme.com', { timeoutMs: 0, tenant: 'acme' });
    const content = JSON.parse(readFileSync(lockFilePath(db, 'acme.com'), 'utf8'));
    expect(content).toMatchObject({ pid: process.pid, host: hostname(), tenant: 'acme' });

    const waits: unknown[] = [];
    const error = await pbx.lock('acme.com', { timeoutMs: 200, tenant: 'acme', onWait: (h) => waits.push(h) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PbxLockTimeoutError);
    expect((error as Error).message).toMatch(new RegExp(`^tenant acme is locked by \\S+@\\S+ pid ${process.pid} since ${content.since}; gave up`));
    expect(waits).toHaveLength(1);

    const other = await pbx.lock('globex.com', { timeoutMs: 0 });
    await other.release();

    const waiting = pbx.lock('acme.com', { timeoutMs: 30_000 });
    await held.release();
    await (await waiting).release();
    expect(existsSync(lockFilePath(db, 'acme.com'))).toBe(false);
  });

  it('takes over a lock left by a process that died on this host', async () => {
    const db = dbPath();
    const path = lockFilePath(db, 'acme.com');
    writeFileSync(path, JSON.stringify({ who: 'ghost@here pid 1', host: hostname(), pid: deadPid(), since: '2020-01-01T00:00:00.000Z', tenant: 'acme' }));
    const lock = await lockFile(db, 'acme.com', { timeoutMs: 0 });
    expect(JSON.parse(readFileSync(path, 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  it('never takes over a lock held on another host', async () => {
    const db = dbPath();
    const path = lockFilePath(db, 'acme.com');
    writeFileSync(path, JSON.stringify({ who: 'ops@elsewhere pid 4242', host: 'elsewhere', pid: deadPid(), since: '2020-01-01T00:00:00.000Z', tenant: 'acme' }));
    const error = await lockFile(db, 'acme.com', { timeoutMs: 100 }).catch((e: unknown) => e);
    expect((error as Error).message).toContain('locked by ops@elsewhere pid 4242 since 2020-01-01T00:00:00.000Z');
  });
});
