/**
 * Reads a file only when it is a regular file itself: a symlink at the path is never followed
 * (O_NOFOLLOW fails with ELOOP on it), so a link planted at a lock file's name cannot make
 * pbxsync read, say, /etc/shadow, and a FIFO cannot make it hang (O_NONBLOCK, then fstat).
 */
import { closeSync, fstatSync, openSync, readFileSync, constants } from 'node:fs';

export type NoFollowRead =
  | { readonly kind: 'file'; readonly text: string }
  | { readonly kind: 'missing' }
  | { readonly kind: 'symlink' }
  /** A folder, a FIFO, a socket, a device. */
  | { readonly kind: 'not-a-file' }
  | { readonly kind: 'unreadable'; readonly code: string };

const OPEN_NO_FOLLOW = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

export function readNoFollowSync(path: string): NoFollowRead {
  let fd: number;
  try {
    fd = openSync(path, OPEN_NO_FOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    if (code === 'ENOENT') return { kind: 'missing' };
    if (code === 'ELOOP') return { kind: 'symlink' };
    if (code === 'ENXIO') return { kind: 'not-a-file' }; // a socket
    return { kind: 'unreadable', code };
  }
  try {
    if (!fstatSync(fd).isFile()) return { kind: 'not-a-file' };
    return { kind: 'file', text: readFileSync(fd, 'utf8') };
  } catch (error) {
    return { kind: 'unreadable', code: (error as NodeJS.ErrnoException).code ?? String(error) };
  } finally {
    closeSync(fd);
  }
}
