/**
 * Lock files: the tenant lock on SQLite (`<db>.<domain>.lock` next to the database, since
 * Kamailio's schema must stay as it is: no lock table), and the short lock around a state
 * file's read-modify-write. Created atomically with their content (written to a temporary
 * file, then hard-linked into place: link fails if the name exists), so a reader never sees a
 * half-written holder. A lock left by a process that died on this host is stale and taken
 * over; one from another host is only ever reported. Lock files are mode 0600 (they name who
 * runs pbxsync, nothing secret, but nobody else has any business in them). A symlink at a lock
 * file's name is never read through nor followed: it is refused at once (see `readLock`).
 */
import { linkSync, renameSync, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { UserError } from '../errors.js';
import { createPrivateFileSync, temporaryName } from '../fs/private-file.js';
import { readNoFollowSync } from '../fs/read-no-follow.js';
import { selfDescription, waitForLock } from './lock-wait.js';
import type { LockHolder, LockOptions, PbxLock } from './provider.js';

/** The JSON inside a lock file. */
interface LockFileContent {
  readonly who: string;
  readonly host: string;
  readonly pid: number;
  readonly since: string;
  readonly tenant: string;
}

export function lockFilePath(dbPath: string, domain: string): string {
  // Domains are [a-z0-9.-]; anything else is replaced so the name stays one path segment.
  return `${dbPath}.${domain.replace(/[^a-zA-Z0-9.-]/g, '_')}.lock`;
}

/**
 * The holder inside a lock file; null when there is none (gone) or it cannot be made out (not
 * JSON: someone else's file, which then only times out). A symlink or a folder at the name is
 * no lock pbxsync made: waiting for it would only end in the timeout, reading through it could
 * read any file, so it is refused in one line.
 */
function readLock(path: string): LockFileContent | null {
  const found = readNoFollowSync(path);
  if (found.kind === 'symlink') throw notALockFile(path, 'a symlink');
  if (found.kind === 'not-a-file') throw notALockFile(path, 'no regular file');
  if (found.kind !== 'file') return null;
  try {
    const content = JSON.parse(found.text) as unknown;
    return typeof content === 'object' && content !== null ? (content as LockFileContent) : null;
  } catch {
    return null;
  }
}

function notALockFile(path: string, what: string): UserError {
  return new UserError(
    `${path} is ${what}, not a pbxsync lock file; remove it`,
    'pbxsync makes its lock files itself and never follows a symlink there; nothing was changed',
  );
}

/** `readLock` for the paths where a refusal is no use (an exit handler, a race): null instead. */
function readLockQuietly(path: string): LockFileContent | null {
  try {
    return readLock(path);
  } catch {
    return null;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isStale(content: LockFileContent | null): boolean {
  return content !== null && content.host === hostname() && !processAlive(content.pid);
}

/** Moves a stale lock aside; puts it back if, in between, it turned into someone's live lock. */
function removeStale(path: string): void {
  const aside = temporaryName(path);
  try {
    renameSync(path, aside);
  } catch {
    return; // someone else removed it first
  }
  // Swapped for a symlink in between? Then it is not stale either: put it back, to be refused.
  if (!isStale(readLockQuietly(aside))) {
    try {
      linkSync(aside, path);
    } catch {
      // A new lock is already in place; the one we moved was superseded anyway.
    }
  }
  unlinkSync(aside);
}

function tryCreate(path: string, content: LockFileContent): boolean {
  return createPrivateFileSync(path, `${JSON.stringify(content)}\n`, { what: 'lock file' });
}

function release(path: string, mine: LockFileContent): void {
  const found = readLockQuietly(path);
  if (found && found.pid === mine.pid && found.since === mine.since && found.host === mine.host) unlinkSync(path);
}

/** The tenant lock of a SQLite PBX. */
export async function lockFile(dbPath: string, domain: string, options: LockOptions): Promise<PbxLock> {
  return lockFileAt(lockFilePath(dbPath, domain), domain, options);
}

/** A lock held by the file at `path`; `name` is what it locks, for messages. */
export async function lockFileAt(path: string, name: string, options: LockOptions): Promise<PbxLock> {
  const who = selfDescription();
  const tenant = options.tenant ?? name;
  return waitForLock(name, options, async () => {
    // `since` is when the lock is taken, not when we started waiting for it.
    const mine: LockFileContent = { who, host: hostname(), pid: process.pid, since: new Date().toISOString(), tenant };
    if (tryCreate(path, mine)) return { lock: heldLock(path, mine) };
    const found = readLock(path);
    if (isStale(found)) {
      removeStale(path);
      if (tryCreate(path, mine)) return { lock: heldLock(path, mine) };
    }
    const holder: LockHolder | null = found ? { who: found.who, since: found.since } : null;
    return { holder };
  });
}

function heldLock(path: string, mine: LockFileContent): PbxLock {
  // A normal exit (also after an error) removes the file; a crash leaves a stale one behind.
  const onExit = (): void => release(path, mine);
  process.once('exit', onExit);
  let held = true;
  return {
    release: async () => {
      if (!held) return;
      held = false;
      process.off('exit', onExit);
      release(path, mine);
    },
  };
}
