/**
 * The files of an SQLite database and who may read them. The PBX database holds HA1 hashes,
 * which are password-equivalent for SIP digest, so by default it is its owner's alone (0600).
 * With a group (Kamailio's) it may be 0640 or 0660 instead, never readable by others.
 *
 * - `create` makes the database file empty, exclusively, with that mode and group, before
 *   SQLite opens it (better-sqlite3 would create it 0644).
 * - SQLite gives `-wal` and `-shm` the database's mode (and, as root, its owner and group);
 *   `matchCompanions` gives them its group too when pbxsync is not root.
 * - `warnLoose` reports, once per file and provider, files readable beyond what was asked.
 */
import { lstatSync, realpathSync, statSync, type Stats } from 'node:fs';
import { userInfo } from 'node:os';
import { UserError } from '../errors.js';
import { ensureEmptyPrivateFile } from './empty-private-file.js';
import { looseFile, looseFilesWarning, octal, type LooseFile, type WantedAccess } from './file-access.js';
import { groupIdOf, groupNameOf } from './group-id.js';
import { matchAccess } from './match-access.js';

export interface SqliteFileOptions {
  /** 0o600 (default), 0o640 or 0o660. */
  readonly fileMode?: number;
  /** The group that gets the group bits, by name (Kamailio's). */
  readonly fileGroup?: string;
  /** Where warnings go; default: stderr. */
  readonly onWarning?: (message: string) => void;
}

/** The database file as it is, for telling the operator how Kamailio can read it. */
export interface SqliteFileFacts {
  readonly path: string;
  readonly mode: number;
  readonly owner: string;
  readonly group: string;
  /** Where SQLite keeps the WAL index that every reader must write. */
  readonly shmPath: string;
}

const ALLOWED_MODES: readonly number[] = [0o600, 0o640, 0o660];
const WHAT = 'PBX database';
const WHY = 'the HA1 hashes in them are password-equivalent for SIP digest: whoever reads them can register as any user';

export class SqliteFiles {
  readonly mode: number;
  private resolvedGroup: WantedAccess['group'] | undefined;
  private readonly warned = new Set<string>();
  private readonly onWarning: (message: string) => void;

  constructor(
    readonly path: string,
    private readonly options: SqliteFileOptions = {},
  ) {
    this.mode = options.fileMode ?? 0o600;
    if (!ALLOWED_MODES.includes(this.mode)) {
      throw new UserError(
        `file mode ${octal(this.mode)} is not allowed for the ${WHAT} ${path}`,
        'use 0600, or 0640/0660 with a group, never more: its HA1 hashes are password-equivalent for SIP digest',
      );
    }
    this.onWarning = options.onWarning ?? ((m) => process.stderr.write(`warning: ${m}\n`));
  }

  /** What files should be: resolves the group on first use (an unknown one is a `UserError`). */
  wanted(): WantedAccess {
    if (this.resolvedGroup === undefined) {
      const name = this.options.fileGroup;
      this.resolvedGroup = name === undefined ? null : { name, gid: groupIdOf(name, `${WHAT} ${this.path}`) };
    }
    return { mode: this.mode, group: this.resolvedGroup };
  }

  /**
   * The database file, created empty with the wanted access when missing; a symlink at its
   * path is refused. Returns its identity for `assertOpened`, or null for a non-file.
   */
  create(): Stats | null {
    return ensureEmptyPrivateFile(this.path, { ...this.wanted(), what: WHAT });
  }

  /**
   * SQLite resolves symlinks when it opens: after `create`, check that the name still is the
   * file just made or checked, not something swapped in between (a symlink planted by whoever
   * else can write to the folder). What SQLite opened in between cannot be told for sure, but
   * swapping the name twice within that window is the only way left.
   */
  assertOpened(identity: Stats | null): void {
    if (identity === null) return;
    const now = lstatSync(this.path, { throwIfNoEntry: false });
    if (now?.isFile() && now.dev === identity.dev && now.ino === identity.ino) return;
    throw new UserError(
      `the ${WHAT} ${this.path} was replaced while pbxsync opened it; nothing was written`,
      'someone else is changing that folder: check who may write to it, then retry',
    );
  }

  /** Once the database is open: `-wal` and `-shm`, if there, get its mode and group. */
  matchCompanions(): void {
    const database = statSync(this.path);
    for (const path of this.companions()) {
      const failed = matchAccess(path, database);
      if (failed !== null)
        this.warnOnce(
          path,
          `cannot give ${path} the group of ${this.path} (${failed}), so its group may not read it: run pbxsync as a member of group ${groupNameOf(database.gid)}`,
        );
    }
  }

  /** Warns about the database, `-wal`, `-shm` and `extra` (lock files) where they are loose. */
  warnLoose(extra: readonly string[] = []): void {
    const wanted = this.wanted();
    const loose: LooseFile[] = [];
    const check = (path: string, stats: Stats | undefined): void => {
      const found = stats?.isFile() ? looseFile(path, stats, wanted) : null;
      if (found !== null && !this.warned.has(path)) loose.push(found);
    };
    check(this.path, statSync(this.path, { throwIfNoEntry: false }));
    // Never through a symlink: a planted one would only make pbxsync report someone else's file.
    for (const path of [...this.companions(), ...extra]) check(path, lstatSync(path, { throwIfNoEntry: false }));
    if (loose.length === 0) return;
    for (const f of loose) this.warned.add(f.path);
    this.onWarning(looseFilesWarning(loose, wanted, 'PBX database files', WHY));
  }

  facts(): SqliteFileFacts {
    const stats = statSync(this.path);
    return { path: this.path, mode: stats.mode & 0o777, owner: ownerName(stats.uid), group: groupNameOf(stats.gid), shmPath: `${this.realPath()}-shm` };
  }

  private warnOnce(path: string, message: string): void {
    if (this.warned.has(path)) return;
    this.warned.add(path);
    this.onWarning(message);
  }

  /** SQLite names them after the database's real path, past any symlink. */
  private companions(): string[] {
    const real = this.realPath();
    return [`${real}-wal`, `${real}-shm`];
  }

  private realPath(): string {
    try {
      return realpathSync(this.path);
    } catch {
      return this.path;
    }
  }
}

function ownerName(uid: number): string {
  try {
    const me = userInfo();
    if (me.uid === uid) return me.username;
  } catch {
    // No passwd entry (some containers).
  }
  return `uid ${uid}`;
}
