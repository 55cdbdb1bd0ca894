/**
 * No symlink planted next to a file pbxsync writes can redirect the write: not at the file's
 * own name, not at a plausible temporary name. Every writer goes through `fs/private-file.ts`;
 * each is called here through its own entry point, so a writer that stops using it is caught.
 * (The SQLite database and the lock files have their tests in sqlite-file-modes and file-lock.)
 */
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeSavedPlan } from '../../src/app/saved-plan.js';
import { generateKeyFile } from '../../src/credentials/master-key.js';
import { saveSnapshot } from '../../src/directory/snapshot-source.js';
import { UserError } from '../../src/errors.js';
import { createPrivateFileSync, writePrivateFileSync } from '../../src/fs/private-file.js';
import { writeSpreadsheet } from '../../src/spreadsheet/write-spreadsheet.js';
import { JsonFileStore } from '../../src/state/json-file-store.js';
import { ownModeOf, withUmaskAsync } from '../support/file-modes.js';
import { tempDir } from '../support/tmp.js';

/** Valid JSON, so that a writer that reads its file first (the state file) gets that far. */
const PRECIOUS = '{"precious": "must stay as it is"}\n';

/** `refuses`: the writer reads its file first, and refuses a symlink at its name in one line instead of replacing it. */
const WRITERS: readonly { readonly what: string; readonly name: string; readonly write: (path: string) => Promise<unknown>; readonly refuses?: boolean }[] = [
  { what: 'state file', name: 'state.json', write: (path) => new JsonFileStore(path).set('acme', { users: 3 }), refuses: true },
  { what: 'saved plan', name: 'plan.json', write: async (path) => writeSavedPlan(path, '{"plan": true}\n') },
  {
    what: 'credentials spreadsheet',
    name: 'acme-credentials.xlsx',
    write: (path) =>
      writeSpreadsheet(path, { tenant: 'acme', domain: 'acme.com', rows: [], phoneSetup: { registrar: 'sip.acme.com', transport: 'tls', port: 5061 } }),
  },
  { what: 'directory snapshot', name: 'directory.json', write: (path) => saveSnapshot(path, [], ['acme.com']) },
  { what: 'any private file', name: 'data.bin', write: async (path) => writePrivateFileSync(path, 'data', { what: 'file' }) },
];

/** Names a careless writer might use for its temporary file. */
function plausibleTemporaryNames(path: string): string[] {
  const name = basename(path);
  const folder = dirname(path);
  return [
    `${path}.${process.pid}.tmp`,
    `${path}.tmp`,
    join(folder, `.${name}.tmp`),
    join(folder, `.${name}.${process.pid}.tmp`),
    `${path}~`,
    `${path}.lock.tmp`,
  ];
}

/** A file outside the folder, world-readable, that a redirected write would change. */
function victim(): string {
  const path = join(tempDir('pbxsync-victim-'), 'victim');
  writeFileSync(path, PRECIOUS, { mode: 0o644 });
  return path;
}

describe('planted symlinks redirect no write', () => {
  for (const writer of WRITERS) {
    it(`${writer.what}: a symlink at its name or a temporary name changes nothing but the name itself`, async () => {
      const target = victim();
      const path = join(tempDir('pbxsync-planted-'), writer.name);
      const planted = [path, ...plausibleTemporaryNames(path)];
      for (const name of planted) symlinkSync(target, name);

      if (writer.refuses) await expect(withUmaskAsync(0o000, () => writer.write(path))).rejects.toThrow(UserError);
      else await withUmaskAsync(0o000, () => writer.write(path));

      expect(readFileSync(target, 'utf8')).toBe(PRECIOUS);
      expect(ownModeOf(target)).toEqual({ file: true, mode: 0o644 });
      // The name now holds a new regular file, owner only (or the refused link); the other links are untouched.
      if (writer.refuses) expect(readlinkSync(path)).toBe(target);
      else expect(ownModeOf(path)).toEqual({ file: true, mode: 0o600 });
      for (const name of planted.slice(1)) expect(readlinkSync(name)).toBe(target);
    });

    it(`${writer.what}: a dangling symlink at its name creates nothing at its target`, async () => {
      const target = join(tempDir('pbxsync-victim-'), 'not-yet');
      const path = join(tempDir('pbxsync-planted-'), writer.name);
      symlinkSync(target, path);
      if (writer.refuses) await expect(writer.write(path)).rejects.toThrow(UserError);
      else await writer.write(path);
      expect(existsSync(target)).toBe(false);
      if (!writer.refuses) expect(ownModeOf(path)).toEqual({ file: true, mode: 0o600 });
    });
  }

  it('state file: a symlink at its name is not read through either, but refused in one line', async () => {
    const target = victim();
    const path = join(tempDir('pbxsync-planted-'), 'state.json');
    symlinkSync(target, path);
    await expect(new JsonFileStore(path).set('acme', { users: 3 })).rejects.toThrow(/is a symlink, not a pbxsync file; nothing was read$/);
    await expect(new JsonFileStore(path).get('acme')).rejects.toThrow(/is a symlink/);
    expect(readFileSync(target, 'utf8')).toBe(PRECIOUS);
    expect(lstatSync(path).isSymbolicLink()).toBe(true);
  });

  it('createPrivateFileSync (lock files, key files): a symlink at the name counts as taken, and its target is untouched', () => {
    for (const target of [victim(), join(tempDir('pbxsync-victim-'), 'not-yet')]) {
      const path = join(tempDir('pbxsync-planted-'), 'file.lock');
      symlinkSync(target, path);
      expect(createPrivateFileSync(path, 'mine', { what: 'lock file' })).toBe(false);
      expect(existsSync(target) ? readFileSync(target, 'utf8') : null).toBe(existsSync(target) ? PRECIOUS : null);
      expect(lstatSync(path).isSymbolicLink()).toBe(true);
    }
  });

  it('the master key file: a symlink at its name is refused in one line, and its target is untouched', () => {
    const target = victim();
    const path = join(tempDir('pbxsync-planted-'), 'master.key');
    symlinkSync(target, path);
    expect(() => generateKeyFile(path)).toThrow(UserError);
    expect(readFileSync(target, 'utf8')).toBe(PRECIOUS);
  });

  it('a symlinked folder is followed, like any folder of the path: the file is still new, private and regular', () => {
    // Whoever can replace a folder on the path decides where files go anyway; nothing in the
    // folder pointed to is written through.
    const real = tempDir('pbxsync-real-');
    const link = join(tempDir('pbxsync-link-'), 'folder');
    symlinkSync(real, link);
    const target = victim();
    symlinkSync(target, join(real, 'data.json'));
    writePrivateFileSync(join(link, 'data.json'), '{}\n', { what: 'file' });
    expect(ownModeOf(join(real, 'data.json'))).toEqual({ file: true, mode: 0o600 });
    expect(readFileSync(target, 'utf8')).toBe(PRECIOUS);
  });

  it('a folder at a temporary name cannot be guessed, and a write next to it still succeeds', () => {
    const path = join(tempDir('pbxsync-planted-'), 'data.json');
    for (const name of plausibleTemporaryNames(path)) mkdirSync(name);
    writePrivateFileSync(path, '{}\n', { what: 'file' });
    expect(ownModeOf(path)).toEqual({ file: true, mode: 0o600 });
  });
});
