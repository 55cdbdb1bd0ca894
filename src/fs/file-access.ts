/**
 * Who may read a file, compared with who should: a file that its group or others may read
 * beyond the mode (and group) asked for is "loose". pbxsync does not change such a file on its
 * own (the operator may have had reasons, and a chmod behind Kamailio's back can lock it out),
 * it says so and gives the command that fixes it.
 */
import type { Stats } from 'node:fs';

/** The access asked for: permission bits, and the group that the group bits are meant for. */
export interface WantedAccess {
  readonly mode: number;
  /** null: whatever group the file has (only meaningful when `mode` gives the group nothing). */
  readonly group: { readonly name: string; readonly gid: number } | null;
}

export interface LooseFile {
  readonly path: string;
  /** Its permission bits. */
  readonly mode: number;
  /** Its group bits are set, but for another group than the one asked for. */
  readonly wrongGroup: boolean;
}

/** `0o640` → `"0640"`. */
export function octal(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, '0')}`;
}

/** The file, when its group or others get more than `wanted` allows; null when it is fine. */
export function looseFile(path: string, stats: Stats, wanted: WantedAccess): LooseFile | null {
  const mode = stats.mode & 0o777;
  const extraBits = mode & 0o077 & ~wanted.mode;
  const wrongGroup = (mode & 0o070) !== 0 && wanted.group !== null && stats.gid !== wanted.group.gid;
  return extraBits !== 0 || wrongGroup ? { path, mode, wrongGroup } : null;
}

/**
 * One line: which files are loose (`what` they are), why it matters (`why`), and the command
 * that fixes them.
 */
export function looseFilesWarning(files: readonly LooseFile[], wanted: WantedAccess, what: string, why: string): string {
  const asked = wanted.group === null ? `mode ${octal(wanted.mode)}` : `mode ${octal(wanted.mode)} with group ${wanted.group.name}`;
  const found = files.map((f) => `${f.path} (${octal(f.mode)}${f.wrongGroup ? ', another group' : ''})`).join(', ');
  const paths = files.map((f) => shellQuote(f.path)).join(' ');
  const chgrp = wanted.group !== null && files.some((f) => f.wrongGroup) ? `chgrp ${shellQuote(wanted.group.name)} ${paths} && ` : '';
  return `${what} readable beyond ${asked}: ${found}; ${why}. Fix: ${chgrp}chmod ${(wanted.mode & 0o777).toString(8)} ${paths}`;
}

/** A path as a shell word: as is when it is plainly safe, single-quoted otherwise. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
