/** The SQLite tenant lock: a lock file next to the database, with the holder inside. */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { PbxLockTimeoutError } from '../../src/pbx/errors.js';
import { lockFile, lockFilePath } from '../../src/pbx/file-lock.js';
import { SqlitePbxProvider } from '../../src/pbx/sqlite-provider.js';
import { JsonFileStore } from '../../src/state/json-file-store.js';
import { modeOf, withUmaskAsync } from '../support/file-modes.js';
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
    writeFileSync(
      path,
      JSON.stringify({ who: 'ops@elsewhere pid 4242', host: 'elsewhere', pid: deadPid(), since: '2020-01-01T00:00:00.000Z', tenant: 'acme' }),
    );
    const error = await lockFile(db, 'acme.com', { timeoutMs: 100 }).catch((e: unknown) => e);
    expect((error as Error).message).toContain('locked by ops@elsewhere pid 4242 since 2020-01-01T00:00:00.000Z');
  });
});

describe('lock files are private, and a symlink at their name is refused', () => {
  /** A file that looks like a live lock held on another host: read through, it would be waited for. */
  function victim(): string {
    const path = join(tempDir('pbxsync-victim-'), 'victim.json');
    writeFileSync(path, JSON.stringify({ who: 'ops@elsewhere pid 4242', host: 'elsewhere', pid: 4242, since: '2020-01-01T00:00:00.000Z', tenant: 'acme' }));
    return path;
  }

  it('creates the lock file 0600 even under umask 000', async () => {
    const db = dbPath();
    const lock = await withUmaskAsync(0o000, () => lockFile(db, 'acme.com', { timeoutMs: 0 }));
    expect(modeOf(lockFilePath(db, 'acme.com'))).toBe(0o600);
    await lock.release();
  });

  it('refuses a symlink planted at the tenant lock at once, without reading or following it', async () => {
    for (const target of [victim(), join(tempDir('pbxsync-victim-'), 'not-yet')]) {
      const db = dbPath();
      const path = lockFilePath(db, 'acme.com');
      const before = existsSync(target) ? readFileSync(target, 'utf8') : null;
      symlinkSync(target, path);
      const started = Date.now();
      const error = await lockFile(db, 'acme.com', { timeoutMs: 10_000, onWait: () => expect.fail('must not wait') }).catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(error).toBeInstanceOf(UserError);
      expect((error as Error).message).toBe(`${path} is a symlink, not a pbxsync lock file; remove it`);
      expect(existsSync(target) ? readFileSync(target, 'utf8') : null).toBe(before);
      expect(readlinkSync(path)).toBe(target);
    }
  });

  it("refuses a symlink at a state file's lock the same way, writing nothing", async () => {
    const target = victim();
    const before = readFileSync(target, 'utf8');
    const state = join(tempDir('pbxsync-state-'), 'state.json');
    symlinkSync(target, `${state}.lock`);
    const error = await new JsonFileStore(state).set('acme', { x: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toBe(`${state}.lock is a symlink, not a pbxsync lock file; remove it`);
    expect(readFileSync(target, 'utf8')).toBe(before);
    expect(existsSync(state)).toBe(false);
  });

  it('refuses a folder at the lock file name instead of waiting for it', async () => {
    const db = dbPath();
    mkdirSync(lockFilePath(db, 'acme.com'));
    await expect(lockFile(db, 'acme.com', { timeoutMs: 10_000 })).rejects.toThrow(
      `${lockFilePath(db, 'acme.com')} is no regular file, not a pbxsync lock file; remove it`,
    );
    expect(lstatSync(lockFilePath(db, 'acme.com')).isDirectory()).toBe(true);
  });
});
