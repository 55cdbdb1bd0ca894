/**
 * File permissions in tests. Tests run as root (in CI too), and root reads any file whatever
 * its mode: modes are checked with `statSync().mode`, and access is only tried for real as
 * `nobody`, in a child process, when the test runs as root (otherwise it is skipped, with the
 * reason `whyNoNobody` gives).
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, lstatSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { lookupGroup, type GroupEntry } from '../../src/fs/group-id.js';
import { testTmp } from './tmp.js';

/** The permission bits of `path` (following a symlink), e.g. 0o600. */
export function modeOf(path: string): number {
  return statSync(path).mode & 0o777;
}

/** The permission bits of `path` itself, and whether it is a regular file. */
export function ownModeOf(path: string): { file: boolean; mode: number } {
  const stats = lstatSync(path);
  return { file: stats.isFile(), mode: stats.mode & 0o777 };
}

/** Runs `fn` under `mask` (the default 022 lets group and others read what is created). */
export async function withUmaskAsync<T>(mask: number, fn: () => Promise<T>): Promise<T> {
  const before = process.umask(mask);
  try {
    return await fn();
  } finally {
    process.umask(before);
  }
}

/** A group other than ours, for giving files to; null when the system has none to spare. */
export function spareGroup(): GroupEntry | null {
  for (const name of ['nogroup', 'nobody', 'daemon']) {
    const group = lookupGroup(name);
    if (group !== null && group.gid !== process.getgid?.()) return group;
  }
  return null;
}

export const NOBODY = (() => {
  const r = spawnSync('getent', ['passwd', 'nobody'], { encoding: 'utf8' });
  const [, , uid, gid] = (r.stdout ?? '').split(':');
  return uid && gid ? { uid: Number(uid), gid: Number(gid) } : null;
})();

/** Why access cannot be tried as another user here; null when it can. */
export function whyNoNobody(): string | null {
  if (process.getuid?.() !== 0) return 'only root can run a check as user nobody';
  if (NOBODY === null) return 'this system has no user nobody';
  const probe = spawnSync(process.execPath, ['-e', ''], { uid: NOBODY.uid, gid: NOBODY.gid, timeout: 30_000 });
  if (probe.status !== 0) return `node cannot run as user nobody here (${probe.error?.message ?? `status ${probe.status}`})`;
  return null;
}

/**
 * Lets everyone through the folders from the test file's temporary folder down to `path`'s
 * folder (0711: traverse, not list), so that a check as nobody meets only the file's own mode.
 */
export function openFoldersTo(path: string): void {
  const root = testTmp();
  for (let folder = dirname(path); folder.startsWith(root); folder = dirname(folder)) chmodSync(folder, 0o711);
}

/** `node -e script args…` as nobody, in group `gid` (default nobody's own). */
export function nodeAsNobody(script: string, args: string[], gid = NOBODY!.gid): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['-e', script, ...args], { uid: NOBODY!.uid, gid, encoding: 'utf8', timeout: 30_000 });
}
