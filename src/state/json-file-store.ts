/**
 * A keyv storage adapter over one JSON file: readable in review, written whole or not at all
 * (see `fs/private-file.ts`) with mode 0600. Several tenants may share one file, and their
 * applies hold different tenant locks, so every read-modify-write takes the file's own short
 * lock (`<file>.lock`): no entry is ever lost to a concurrent writer. keyv-file was not used:
 * it batches writes behind a timer (a crash can lose them) and writes msgpack.
 */
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { KeyvStoreAdapter } from 'keyv';
import { UserError } from '../errors.js';
import { fileWriteError, writePrivateFileSync } from '../fs/private-file.js';
import { readNoFollowSync } from '../fs/read-no-follow.js';
import { lockFileAt } from '../pbx/file-lock.js';

type Entries = Record<string, unknown>;

/** A writer holds the file lock for milliseconds; waiting longer means something is stuck. */
const LOCK_TIMEOUT_MS = 30_000;

export class JsonFileStore extends EventEmitter implements KeyvStoreAdapter {
  opts: { path: string };
  namespace?: string;

  constructor(
    readonly path: string,
    private readonly what = 'state file',
    /** A cache: an unreadable file counts as empty (and is replaced on the next write). */
    private readonly disposable = false,
  ) {
    super();
    this.opts = { path };
  }

  async get<Value>(key: string): Promise<Value | undefined> {
    const entries = this.read();
    return Object.hasOwn(entries, key) ? (entries[key] as Value) : undefined;
  }

  async set(key: string, value: unknown): Promise<boolean> {
    await this.update((entries) => {
      entries[key] = value;
      return true;
    });
    return true;
  }

  async delete(key: string): Promise<boolean> {
    return this.update((entries) => {
      if (!Object.hasOwn(entries, key)) return false;
      delete entries[key];
      return true;
    });
  }

  async clear(): Promise<void> {
    await this.update(() => true, {});
  }

  /** Read, change and write under the file's lock; nothing is written when `change` says false. */
  private async update(change: (entries: Entries) => boolean, start?: Entries): Promise<boolean> {
    try {
      mkdirSync(dirname(this.path), { recursive: true });
    } catch (err) {
      // mkdir says EEXIST when a part of the path is a file: the problem is that it is no folder.
      const notFolder = (err as NodeJS.ErrnoException).code === 'EEXIST' ? Object.assign(new Error('not a folder'), { code: 'ENOTDIR' }) : err;
      throw fileWriteError(this.path, this.what, notFolder);
    }
    const lock = await lockFileAt(`${this.path}.lock`, this.path, { timeoutMs: LOCK_TIMEOUT_MS, tenant: `the ${this.what} ${this.path}` });
    try {
      const entries = start ?? this.read();
      if (!change(entries)) return false;
      writePrivateFileSync(this.path, `${JSON.stringify(entries, null, 2)}\n`, { what: this.what });
      return true;
    } finally {
      await lock.release();
    }
  }

  private read(): Entries {
    try {
      return this.readStrict();
    } catch (err) {
      if (this.disposable && err instanceof UserError) return Object.create(null) as Entries;
      throw err;
    }
  }

  private readStrict(): Entries {
    // Never read through a symlink planted at the file's name (it could pull in any JSON file).
    const read = readNoFollowSync(this.path);
    switch (read.kind) {
      case 'missing':
        return Object.create(null) as Entries;
      case 'symlink':
        throw new UserError(
          `the ${this.what} ${this.path} is a symlink, not a pbxsync file; nothing was read`,
          'remove the link, and point state.url at the file itself',
        );
      case 'not-a-file':
        throw new UserError(`the ${this.what} ${this.path} is a folder or another kind of non-file`, 'point state.url at a file (file:PATH), or move it away');
      case 'unreadable':
        if (read.code === 'ENOTDIR') return Object.create(null) as Entries; // a part of the path is a file: no such file (yet)
        throw new UserError(`cannot read the ${this.what} ${this.path} (${read.code})`, 'check the path and its permissions');
      case 'file':
        return this.parse(read.text);
    }
  }

  private parse(text: string): Entries {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw this.invalid('is not valid JSON');
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw this.invalid('does not hold a JSON object');
    return Object.assign(Object.create(null) as Entries, parsed);
  }

  private invalid(why: string): UserError {
    return new UserError(
      `the ${this.what} ${this.path} ${why}`,
      "restore it from a backup, or move it aside: the tenant's PBX rows hold the same record, and the next apply writes it back",
    );
  }
}
