/**
 * The temporary name of a private write cannot be guessed; should a file be there anyway, it
 * is someone else's: neither written, nor removed, nor mistaken for the target existing.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

// Pins the "random" part of the temporary name, so that a test can plant a file there.
vi.mock('node:crypto', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:crypto')>();
  return { ...original, randomBytes: (size: number) => Buffer.alloc(size, 0xab) };
});

const { createPrivateFileSync, temporaryName, writePrivateFileStream, writePrivateFileSync } = await import('../../src/fs/private-file.js');
const { UserError } = await import('../../src/errors.js');
const { tempDir } = await import('../support/tmp.js');

describe('a file planted at the temporary name', () => {
  for (const [name, write] of [
    ['writePrivateFileSync', (path: string) => writePrivateFileSync(path, 'mine', { what: 'state file' })],
    ['createPrivateFileSync', (path: string) => createPrivateFileSync(path, 'mine', { what: 'lock file' })],
  ] as const) {
    it(`${name}: fails in one line, leaves that file alone, and creates no target`, () => {
      const path = join(tempDir('pbxsync-private-'), 'file');
      const planted = temporaryName(path);
      writeFileSync(planted, 'theirs');
      let error: unknown;
      try {
        write(path);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(UserError);
      expect((error as Error).message).toBe(
        `cannot write the ${name === 'writePrivateFileSync' ? 'state file' : 'lock file'} ${path} (EEXIST); the previous file, if any, is unchanged`,
      );
      expect(readFileSync(planted, 'utf8')).toBe('theirs');
      expect(existsSync(path)).toBe(false);
    });
  }

  it('writePrivateFileStream: fails in one line before the writer runs, leaves that file alone, and creates no target', async () => {
    const path = join(tempDir('pbxsync-private-'), 'file');
    const planted = temporaryName(path);
    writeFileSync(planted, 'theirs');
    let ran = false;
    const error = await writePrivateFileStream(
      path,
      async () => {
        ran = true;
      },
      { what: 'credentials spreadsheet' },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toBe(`cannot write the credentials spreadsheet ${path} (EEXIST); the previous file, if any, is unchanged`);
    expect(ran).toBe(false);
    expect(readFileSync(planted, 'utf8')).toBe('theirs');
    expect(existsSync(path)).toBe(false);
  });
});
