/**
 * Gives a file the mode and group of another one: SQLite's `-wal` and `-shm` must be as
 * accessible as their database, no more (they hold the same rows) and no less (Kamailio needs
 * them). SQLite copies the database's mode when it creates them, but its group only when run
 * as root; as anyone else they get the creator's group, and older ones keep whatever they had.
 */
import { closeSync, fchmodSync, fchownSync, fstatSync, openSync, constants, type Stats } from 'node:fs';

const OPEN_NO_FOLLOW = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/**
 * A file that is missing or not a regular file (a symlink is never followed) is left alone.
 * Returns the error code when the file could not be given the reference's group; its group
 * bits are then removed, since they would be for the wrong group (private beats readable).
 * A file that is not ours to chmod (Kamailio created it) is left as it is.
 */
export function matchAccess(path: string, reference: Stats): string | null {
  let fd: number;
  try {
    fd = openSync(path, OPEN_NO_FOLLOW);
  } catch {
    return null;
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) return null;
    const failed = stats.gid === reference.gid ? null : chgrp(fd, reference.gid);
    const mode = failed === null ? reference.mode & 0o777 : reference.mode & 0o707;
    // After chown, which may clear bits; through the descriptor, so never on a swapped-in file.
    if ((fstatSync(fd).mode & 0o777) !== mode) fchmodSync(fd, mode);
    return failed;
  } catch {
    return null; // EPERM on chmod: someone else's file; the loose-file check reports it
  } finally {
    closeSync(fd);
  }
}

function chgrp(fd: number, gid: number): string | null {
  try {
    fchownSync(fd, -1, gid);
    return null;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? String(error);
  }
}
