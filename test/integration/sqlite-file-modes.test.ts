/**
 * Who may read the SQLite PBX database and its -wal/-shm: HA1 hashes are password-equivalent,
 * so the files are 0600 by default, 0640/0660 only with a group asked for, and looser files
 * found on the way are reported (once per file and provider), never silently changed.
 */
import { chmodSync, chownSync, existsSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { lockFilePath } from '../../src/pbx/file-lock.js';
import { SqlitePbxProvider, type SqliteProviderOptions } from '../../src/pbx/sqlite-provider.js';
import { modeOf, nodeAsNobody, NOBODY, openFoldersTo, spareGroup, whyNoNobody, withUmaskAsync } from '../support/file-modes.js';
import { userOps } from '../support/row-ops.js';
import { tempDir } from '../support/tmp.js';

function dbPath(): string {
  return join(tempDir('pbxsync-modes-'), 'pbx.sqlite');
}

/** A provider whose warnings are collected instead of printed. */
function provider(path: string, options: SqliteProviderOptions = {}): { pbx: SqlitePbxProvider; warnings: string[] } {
  const warnings: string[] = [];
  return { pbx: new SqlitePbxProvider(path, { busyTimeoutMs: 50, onWarning: (m) => warnings.push(m), ...options }), warnings };
}

async function initialised(options: SqliteProviderOptions = {}): Promise<string> {
  const path = dbPath();
  const { pbx, warnings } = provider(path, options);
  await pbx.init();
  await pbx.close();
  expect(warnings).toEqual([]);
  return path;
}

const GROUP = spareGroup();
const NO_NOBODY = whyNoNobody();

describe('pbx init on SQLite: a private file', () => {
  it('creates the database 0600 even under umask 000, and SQLite gives -wal and -shm that mode', async () => {
    const path = dbPath();
    const { pbx, warnings } = provider(path);
    await withUmaskAsync(0o000, async () => {
      await pbx.init();
      expect(modeOf(path)).toBe(0o600);
      await pbx.apply(userOps('a.example', 2)); // while this connection is open, -wal and -shm exist
      expect(modeOf(`${path}-wal`)).toBe(0o600);
      expect(modeOf(`${path}-shm`)).toBe(0o600);
    });
    await pbx.close();
    expect(warnings).toEqual([]);
  });

  it.skipIf(GROUP === null)('gives the database 0640 or 0660 and a group when asked, and -wal and -shm the same', async () => {
    for (const fileMode of [0o640, 0o660]) {
      const path = dbPath();
      const { pbx, warnings } = provider(path, { fileMode, fileGroup: GROUP!.name });
      await pbx.init();
      await pbx.apply(userOps('a.example', 1));
      for (const file of [path, `${path}-wal`, `${path}-shm`]) {
        expect({ file, mode: modeOf(file), gid: statSync(file).gid }).toEqual({ file, mode: fileMode, gid: GROUP!.gid });
      }
      await pbx.close();
      expect(warnings).toEqual([]);
    }
  });

  it.skipIf(GROUP === null)('gives a -shm left from before the group change the database mode and group', async () => {
    const path = await initialised({ fileMode: 0o660, fileGroup: GROUP!.name });
    // Left by an older run, before the group was asked for; not empty, so SQLite keeps its mode.
    writeFileSync(`${path}-shm`, Buffer.alloc(32 * 1024), { mode: 0o600 });
    chmodSync(`${path}-shm`, 0o600);
    chownSync(`${path}-shm`, process.getuid!(), process.getgid!());
    const { pbx } = provider(path, { fileMode: 0o660, fileGroup: GROUP!.name });
    await pbx.apply(userOps('a.example', 1));
    expect({ mode: modeOf(`${path}-shm`), gid: statSync(`${path}-shm`).gid }).toEqual({ mode: 0o660, gid: GROUP!.gid });
    await pbx.close();
  });

  it('refuses an unknown group in one line, creating nothing', async () => {
    const path = dbPath();
    const error = await provider(path, { fileMode: 0o640, fileGroup: 'pbxsync-no-such-group' })
      .pbx.init()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe(`unknown group "pbxsync-no-such-group" for the PBX database ${path}`);
    expect(existsSync(path)).toBe(false);
  });

  it('refuses a mode that lets others read, or the group write without reading', () => {
    for (const fileMode of [0o644, 0o666, 0o620, 0o700]) {
      expect(() => new SqlitePbxProvider(dbPath(), { fileMode })).toThrow(UserError);
    }
  });

  it.skipIf(NO_NOBODY !== null)('leaves a 0600 database unreadable to other users; a 0640 one readable in its group only', async () => {
    const read = (path: string, gid?: number) =>
      nodeAsNobody(`try { require('fs').readFileSync(process.argv[1]); console.log('read') } catch (e) { console.log(e.code) }`, [path], gid).stdout.trim();
    const owner = await initialised();
    openFoldersTo(owner);
    expect(read(owner)).toBe('EACCES');

    const grouped = await initialised({ fileMode: 0o640, fileGroup: GROUP!.name });
    openFoldersTo(grouped);
    expect(read(grouped, GROUP!.gid)).toBe('read');
    const otherGid = NOBODY!.gid === GROUP!.gid ? 1 : NOBODY!.gid;
    expect(read(grouped, otherGid)).toBe('EACCES');
  });
});

describe('SQLite PBX files readable beyond what was asked', () => {
  it('warns once per run, naming the files and the chmod command; never changes a mode', async () => {
    const path = await initialised();
    chmodSync(path, 0o644);
    const { pbx, warnings } = provider(path);
    const lock = await pbx.lock('a.example', { timeoutMs: 0 });
    const lockPath = lockFilePath(path, 'a.example');
    chmodSync(lockPath, 0o644);

    await pbx.read('a.example', 't');
    await pbx.read('a.example', 't');
    await pbx.apply(userOps('a.example', 1));
    await pbx.apply(userOps('b.example', 1));
    // The database is in WAL mode: opening it made SQLite create -wal and -shm with its mode.
    const files = [path, `${path}-wal`, `${path}-shm`, lockPath];
    expect(warnings).toEqual([
      `PBX database files readable beyond mode 0600: ${files.map((f) => `${f} (0644)`).join(', ')}; the HA1 hashes in them are password-equivalent for SIP digest: whoever reads them can register as any user. Fix: chmod 600 ${files.join(' ')}`,
    ]);
    expect(files.map(modeOf)).toEqual([0o644, 0o644, 0o644, 0o644]);
    await lock.release();
    await pbx.close();
  });

  it('names a file that turned loose later in the run, once', async () => {
    const path = await initialised();
    const { pbx, warnings } = provider(path);
    await pbx.read('a.example', 't');
    expect(warnings).toEqual([]);
    const lock = await pbx.lock('a.example', { timeoutMs: 0 });
    chmodSync(lockFilePath(path, 'a.example'), 0o640);
    await pbx.apply(userOps('a.example', 1));
    await pbx.apply(userOps('b.example', 1));
    expect(warnings).toEqual([expect.stringMatching(new RegExp(`beyond mode 0600: ${lockFilePath(path, 'a.example')} \\(0640\\);`))]);
    await lock.release();
    await pbx.close();
  });

  it.skipIf(GROUP === null)('names chgrp too when the group bits are for another group', async () => {
    const path = await initialised({ fileMode: 0o640, fileGroup: GROUP!.name });
    chownSync(path, process.getuid!(), process.getgid!());
    const { pbx, warnings } = provider(path, { fileMode: 0o640, fileGroup: GROUP!.name });
    await pbx.read('a.example', 't');
    expect(warnings).toHaveLength(1);
    const files = [path, `${path}-wal`, `${path}-shm`];
    expect(warnings[0]).toBe(
      `PBX database files readable beyond mode 0640 with group ${GROUP!.name}: ${files.map((f) => `${f} (0640, another group)`).join(', ')}; the HA1 hashes in them are password-equivalent for SIP digest: whoever reads them can register as any user. Fix: chgrp ${GROUP!.name} ${files.join(' ')} && chmod 640 ${files.join(' ')}`,
    );
    await pbx.close();
  });

  it('says nothing about files as asked, or stricter', async () => {
    const path = await initialised();
    chmodSync(path, 0o400);
    const { pbx, warnings } = provider(path);
    await pbx.read('a.example', 't');
    chmodSync(path, 0o600);
    await pbx.apply(userOps('a.example', 1));
    await pbx.close();
    expect(warnings).toEqual([]);
  });

  it('prints the warning on stderr when nobody asked for it', async () => {
    const path = await initialised();
    chmodSync(path, 0o604);
    const pbx = new SqlitePbxProvider(path);
    const written: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = (chunk: string) => written.push(String(chunk)) > 0;
    try {
      await pbx.read('a.example', 't');
    } finally {
      process.stderr.write = write;
      await pbx.close();
    }
    expect(written).toEqual([
      expect.stringMatching(
        new RegExp(`^warning: PBX database files readable beyond mode 0600: ${path} \\(0604\\), .*chmod 600 ${path} ${path}-wal ${path}-shm\\n$`),
      ),
    ]);
  });
});

describe('planted symlinks around the SQLite PBX database', () => {
  function victim(): string {
    const path = join(tempDir('pbxsync-victim-'), 'victim');
    writeFileSync(path, 'precious\n', { mode: 0o644 });
    return path;
  }

  it('init refuses a symlink at the database path in one line, and its target is left alone', async () => {
    const target = victim();
    const path = dbPath();
    symlinkSync(target, path);
    const error = await provider(path)
      .pbx.init()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toBe(`the PBX database ${path} is a symlink; pbxsync does not create files through symlinks`);
    expect(readFileSync(target, 'utf8')).toBe('precious\n');
    expect(modeOf(target)).toBe(0o644);
  });

  it('init refuses a dangling symlink at the database path, creating nothing at its target', async () => {
    const target = join(tempDir('pbxsync-victim-'), 'not-yet');
    const path = dbPath();
    symlinkSync(target, path);
    await expect(provider(path).pbx.init()).rejects.toThrow(/is a symlink; pbxsync does not create files through symlinks$/);
    expect(existsSync(target)).toBe(false);
  });

  for (const suffix of ['-wal', '-shm', '-journal']) {
    it(`a symlink planted at ${suffix} makes init and apply write nothing through it`, async () => {
      for (const fresh of [true, false]) {
        const target = victim();
        const path = fresh ? dbPath() : await initialised();
        symlinkSync(target, `${path}${suffix}`);
        const { pbx } = provider(path);
        const result = await (fresh ? pbx.init() : pbx.apply(userOps('a.example', 2))).then(
          () => null,
          (e: unknown) => e,
        );
        await pbx.close();
        // SQLite opens these with O_NOFOLLOW: it either replaces the link or fails to open it.
        if (result !== null) {
          expect(result).toBeInstanceOf(UserError);
          expect((result as Error).message).toMatch(/^cannot open the PBX database .* or its -wal\/-shm file \(SQLITE_CANTOPEN\); nothing was written$/);
        }
        expect(readFileSync(target, 'utf8')).toBe('precious\n');
        expect(modeOf(target)).toBe(0o644);
        rmSync(`${path}${suffix}`, { force: true });
      }
    });
  }
});
