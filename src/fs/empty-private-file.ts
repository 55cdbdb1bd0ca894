/**
 * Creates an empty file with exactly the mode (and group) asked for, before some other
 * library opens it: better-sqlite3 would create the PBX database with 0644 (minus the umask),
 * readable by every local user, and SQLite gives its `-wal` and `-shm` files the database's
 * mode. The file is created exclusively and without following symlinks (O_CREAT|O_EXCL|
 * O_NOFOLLOW), so a symlink planted at the path is refused instead of creating or truncating
 * its target; mode and group are set through the open descriptor, before anyone can open it.
 */
import { closeSync, fchmodSync, fchownSync, fstatSync, lstatSync, openSync, unlinkSync, constants, type Stats } from 'node:fs';
import { UserError } from '../errors.js';
import { fileWriteError } from './private-file.js';

export interface EmptyFileOptions {
  /** The permission bits, e.g. 0o600. */
  readonly mode: number;
  /** The group to give it, with its name for messages; null keeps the creator's group. */
  readonly group: { readonly name: string; readonly gid: number } | null;
  /** What the file is, for messages ("PBX database"). */
  readonly what: string;
}

const CREATE_EXCLUSIVE = constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | (constants.O_NOFOLLOW ?? 0);

/**
 * The file at `path` after making sure it exists: created empty here, or found (left exactly
 * as it is). A symlink at `path` is refused. Returns its lstat, so the caller can check that
 * what it opens later is this very file; null when it exists but is no regular file (a folder:
 * the caller's own open reports that better).
 */
export function ensureEmptyPrivateFile(path: string, options: EmptyFileOptions): Stats | null {
  let fd: number;
  try {
    fd = openSync(path, CREATE_EXCLUSIVE, options.mode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw fileWriteError(path, options.what, error);
    return existing(path, options.what);
  }
  try {
    setAccess(fd, path, options);
    return fstatSync(fd);
  } catch (error) {
    unlinkSync(path); // ours, and empty: a retry must find no half-made file
    throw error;
  } finally {
    closeSync(fd);
  }
}

function existing(path: string, what: string): Stats | null {
  const stats = lstatSync(path);
  if (stats.isSymbolicLink()) {
    throw new UserError(
      `the ${what} ${path} is a symlink; pbxsync does not create files through symlinks`,
      'remove the symlink, or give the real path of the file',
    );
  }
  return stats.isFile() ? stats : null;
}

/** Group first: chown by a non-root user may clear mode bits, chmod then sets them as asked. */
function setAccess(fd: number, path: string, options: EmptyFileOptions): void {
  if (options.group !== null) {
    try {
      fchownSync(fd, -1, options.group.gid);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new UserError(
        `cannot give the ${options.what} ${path} to group ${options.group.name} (${code}); nothing was created`,
        `run pbxsync as root or as a member of group ${options.group.name}`,
      );
    }
  }
  // The umask may have taken bits away: exactly the mode asked for, never more.
  fchmodSync(fd, options.mode);
}
