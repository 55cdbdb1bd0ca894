/**
 * A keyv storage adapter over one JSON file: readable in review, written atomically (temp file,
 * fsync, rename) with mode 0600, so a crash never leaves half a state file. keyv-file was not
 * used: it batches writes behind a timer (a crash can lose them) and writes msgpack.
 */
import { EventEmitter } from 'node:events';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { KeyvStoreAdapter } from 'keyv';
import { UserError } from '../errors.js';

type Entries = Record<string, unknown>;

export class JsonFileStore extends EventEmitter implements KeyvStoreAdapter {
  opts: { path: string };
  namespace?: string;

  constructor(readonly path: string) {
    super();
    this.opts = { path };
  }

  async get<Value>(key: string): Promise<Value | undefined> {
    return this.read()[key] as Value | undefined;
  }

  async set(key: string, value: unknown): Promise<boolean> {
    const entries = this.read();
    entries[key] = value;
    this.write(entries);
    return true;
  }

  async delete(key: string): Promise<boolean> {
    const entries = this.read();
    if (!(key in entries)) return false;
    delete entries[key];
    this.write(entries);
    return true;
  }

  async clear(): Promise<void> {
    this.write({});
  }

  private read(): Entries {
    if (!existsSync(this.path)) return {};
    const text = readFileSync(this.path, 'utf8');
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Entries;
    } catch {
      // fall through to the error below
    }
    throw new UserError(`state file ${this.path} is not valid JSON`, 'restore it from backup, or move it away to rebuild state from the PBX');
  }

  private write(entries: Entries): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, `${JSON.stringify(entries, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
  }
}
