/**
 * Writes a file whole or not at all, readable by its owner only. The data goes to a
 * temporary file created exclusively (O_CREAT|O_EXCL: a planted file or symlink of that name
 * makes the write fail instead of redirecting it) under an unpredictable name in the target's
 * folder, is flushed to disk, gets its mode through the open descriptor, and is renamed over
 * the target: rename replaces a symlink at the target instead of writing through it. On any
 * failure (a full disk, a read-only folder) the temporary file is removed and the old file is
 * left exactly as it was. write-file-atomic was not used: its temporary names derive from the
 * pid and a counter, it opens them without O_EXCL, and it resolves the target through symlinks.
 *
 * No symlink is followed at the file's own name or its temporary name. The folders of the path
 * are followed like any path's (Node has no openat): a symlinked folder puts the file in the
 * folder it points to, which is fine, since whoever can replace a folder on the path decides
 * where the file goes anyway; the file itself is still created new, private, and renamed there.
 *
 * `writePrivateFileStream` gives the same guarantees to data too large to hold in memory: the
 * writer streams into the temporary file, which is renamed only once the writer has finished.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, linkSync, openSync, renameSync, rmSync, writeSync, constants } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { UserError } from '../errors.js';

export interface PrivateFileOptions {
  /** Default 0o600. */
  readonly mode?: number;
  /** What the file is, for messages ("state file", "saved plan"). */
  readonly what: string;
}

const CREATE_EXCLUSIVE = constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | (constants.O_NOFOLLOW ?? 0);

export function temporaryName(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(9).toString('hex')}.tmp`);
}

export function writePrivateFileSync(path: string, data: string | Uint8Array, options: PrivateFileOptions): void {
  replaceWith(writeTemporary(path, data, options), path, options);
}

/**
 * Like `writePrivateFileSync`, but only when `path` does not exist yet (a hard link fails on
 * any existing name, symlinks included, and never follows one): false when it does. Readers
 * never see it half-written.
 */
export function createPrivateFileSync(path: string, data: string | Uint8Array, options: PrivateFileOptions): boolean {
  const tmp = writeTemporary(path, data, options);
  try {
    linkSync(tmp, path);
    syncFolder(dirname(path));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw fileWriteError(path, options.what, error);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/**
 * The data, on disk, in a new temporary file next to `path`; returns its name. A file that
 * is already there under that name (it cannot be guessed, but) is not ours: it is neither
 * written nor removed, and the error is not mistaken for `path` existing.
 */
function writeTemporary(path: string, data: string | Uint8Array, options: PrivateFileOptions): string {
  const { tmp, fd } = openTemporary(path, options);
  try {
    writeAll(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fsyncSync(fd);
  } catch (error) {
    discardTemporary(tmp, fd);
    throw fileWriteError(path, options.what, error);
  }
  closeSync(fd);
  return tmp;
}

/** A new, empty temporary file next to `path`, with its mode set; see `writeTemporary`. */
function openTemporary(path: string, options: PrivateFileOptions): { tmp: string; fd: number } {
  const tmp = temporaryName(path);
  const mode = options.mode ?? 0o600;
  let fd: number;
  try {
    fd = openSync(tmp, CREATE_EXCLUSIVE, mode);
  } catch (error) {
    throw fileWriteError(path, options.what, error);
  }
  try {
    fchmodSync(fd, mode); // the umask may have taken bits away; never more than asked
  } catch (error) {
    discardTemporary(tmp, fd);
    throw fileWriteError(path, options.what, error);
  }
  return { tmp, fd };
}

function discardTemporary(tmp: string, fd: number): void {
  closeSync(fd);
  rmSync(tmp, { force: true });
}

/** Renames the finished temporary file over `path`; removes it if that fails. */
function replaceWith(tmp: string, path: string, options: PrivateFileOptions): void {
  try {
    renameSync(tmp, path);
    syncFolder(dirname(path));
  } catch (error) {
    rmSync(tmp, { force: true });
    throw fileWriteError(path, options.what, error);
  }
}

/**
 * Like `writePrivateFileSync`, for data made piece by piece: `write` writes into the stream it is
 * given (and may end it) and resolves once it has written everything. The file at `path` is
 * replaced only then; if `write` rejects or a write to the disk fails, the temporary file is
 * removed, the old file stays as it was, and the error is `write`'s own or the one-line write
 * error. Writes are synchronous (like `writePrivateFileSync`'s), so that no write is still
 * running on the descriptor when it is closed after a failure.
 */
export async function writePrivateFileStream(path: string, write: (out: Writable) => Promise<void>, options: PrivateFileOptions): Promise<void> {
  const { tmp, fd } = openTemporary(path, options);
  const out = descriptorStream(fd);
  try {
    await streamInto(out, write);
    fsyncSync(fd);
  } catch (error) {
    out.destroy();
    discardTemporary(tmp, fd);
    throw fileWriteError(path, options.what, error);
  }
  closeSync(fd);
  replaceWith(tmp, path, options);
}

/** Runs `write`, ends `out`, and waits until all of it is written; fails on the first error of either. */
async function streamInto(out: Writable, write: (out: Writable) => Promise<void>): Promise<void> {
  // Whichever fails first decides; the other one's later failure is expected, not unhandled.
  const written = finished(out); // listens for the stream's errors from the start
  written.catch(() => undefined);
  const writing = write(out);
  writing.catch(() => undefined);
  await Promise.race([writing, written]);
  await writing;
  if (!out.writableEnded) out.end();
  await written;
}

/** A stream onto the descriptor that leaves closing it to the caller. */
function descriptorStream(fd: number): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      try {
        writeAll(fd, chunk);
        done();
      } catch (error) {
        done(error as Error);
      }
    },
  });
}

function writeAll(fd: number, data: Uint8Array): void {
  let offset = 0;
  while (offset < data.length) offset += writeSync(fd, data, offset, data.length - offset);
}

/** The rename is durable only once the folder's entry is on disk too. */
function syncFolder(folder: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(folder, constants.O_RDONLY);
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on a folder; the data itself is on disk already.
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

const HINTS: Readonly<Record<string, string>> = {
  ENOSPC: 'the disk is full: free some space, then retry',
  EDQUOT: 'the disk quota is used up: free some space, then retry',
  EACCES: 'check the permissions of the folder',
  EPERM: 'check the permissions of the folder',
  EROFS: 'the file system is read-only',
  ENOENT: 'create the folder first, or fix the path',
  ENOTDIR: 'a part of the path is a file, not a folder: fix the path',
  EISDIR: 'the path names a folder; give the path of a file',
  EEXIST: 'a file appeared under the temporary name (someone is interfering with the folder): retry',
  ELOOP: 'a symlink stands in the way; remove it',
  EBUSY: 'close the program that has the file open, then retry',
};

/** A write that the operator can fix becomes one line; the old file is intact whatever happened. */
export function fileWriteError(path: string, what: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === undefined || HINTS[code] === undefined) return error;
  return new UserError(`cannot write the ${what} ${path} (${code}); the previous file, if any, is unchanged`, HINTS[code]);
}
