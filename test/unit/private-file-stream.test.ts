/**
 * Streaming a private file: the same guarantees as a whole write (mode 0600 from the start,
 * the old file untouched until the rename, no temporary file left) when the writer fails or
 * the disk fills up in the middle. The disk is made "full" by a `writeSync` that refuses to
 * write past a budget; `test/e2e/full-disk.test.ts` does it with a real full file system.
 */
import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const disk = vi.hoisted(() => ({ bytesLeft: Number.POSITIVE_INFINITY }));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const writeSync = (fd: number, data: Uint8Array, offset: number, length: number): number => {
    if (length > disk.bytesLeft) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
    disk.bytesLeft -= length;
    return fs.writeSync(fd, data, offset, length);
  };
  return { ...fs, writeSync, default: { ...fs, writeSync } };
});

const { writePrivateFileStream } = await import('../../src/fs/private-file.js');
const { writeSpreadsheet } = await import('../../src/spreadsheet/write-spreadsheet.js');
const { UserError } = await import('../../src/errors.js');
const { tempDir } = await import('../support/tmp.js');

let dir: string;
let path: string;
beforeEach(() => {
  disk.bytesLeft = Number.POSITIVE_INFINITY;
  dir = tempDir('pbxsync-stream-');
  path = join(dir, 'creds.xlsx');
  writeFileSync(path, 'old content');
  chmodSync(path, 0o644);
});

/** Writes `chunks` one per turn of the event loop, so that each is on disk before the next. */
async function writeChunks(out: Writable, chunks: readonly string[]): Promise<void> {
  for (const chunk of chunks) {
    await new Promise<void>((resolve, reject) => out.write(chunk, (error) => (error ? reject(error) : resolve())));
  }
}

function temporaryFiles(): string[] {
  return readdirSync(dir).filter((name) => name !== 'creds.xlsx');
}

function expectOldFileIntact(): void {
  expect(temporaryFiles()).toEqual([]);
  expect(readFileSync(path, 'utf8')).toBe('old content');
  expect(statSync(path).mode & 0o777).toBe(0o644);
}

describe('writePrivateFileStream', () => {
  it('replaces the file with what was streamed, mode 0600, and leaves no temporary file', async () => {
    await writePrivateFileStream(path, (out) => writeChunks(out, ['one ', 'two ', 'three']), { what: 'test file' });
    expect(readFileSync(path, 'utf8')).toBe('one two three');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(temporaryFiles()).toEqual([]);
  });

  it('a writer that fails half way: its error, the old file as it was, no temporary file', async () => {
    const boom = new Error('the writer gave up');
    const write = async (out: Writable): Promise<void> => {
      await writeChunks(out, ['first half ']);
      // Half of the data is on disk, in a private temporary file; the old file is still there.
      const [tmp] = temporaryFiles();
      expect(readFileSync(join(dir, tmp!), 'utf8')).toBe('first half ');
      expect(statSync(join(dir, tmp!)).mode & 0o777).toBe(0o600);
      expect(readFileSync(path, 'utf8')).toBe('old content');
      throw boom;
    };
    await expect(writePrivateFileStream(path, write, { what: 'test file' })).rejects.toBe(boom);
    expectOldFileIntact();
  });

  it('a disk that fills up half way: one line naming the file and ENOSPC, the old file as it was', async () => {
    disk.bytesLeft = 12;
    const error = await writePrivateFileStream(path, (out) => writeChunks(out, ['first half ', 'second half']), { what: 'test file' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toBe(`cannot write the test file ${path} (ENOSPC); the previous file, if any, is unchanged`);
    expect((error as InstanceType<typeof UserError>).hint).toMatch(/disk is full/);
    expectOldFileIntact();
  });

  it('a disk error ends the write even when the writer would wait for ever (exceljs waits for its stream)', async () => {
    disk.bytesLeft = 0;
    const write = (out: Writable): Promise<void> => {
      out.write('data');
      return new Promise<void>(() => undefined);
    };
    const error = await writePrivateFileStream(path, write, { what: 'test file' }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/\(ENOSPC\)/);
    expectOldFileIntact();
  });
});

describe('writeSpreadsheet on a disk that fills up in the middle of the workbook', () => {
  it('fails in one line and leaves the old spreadsheet and no temporary file', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => ({
      displayName: `User ${i}`,
      upn: `user${i}@acme.com`,
      email: `user${i}@acme.com`,
      extension: String(1000 + i),
      username: `user${i}`,
      domain: 'acme.com',
      sipPassword: `sip-${(i * 7919).toString(36)}`,
      softphonePassword: `soft-${(i * 104729).toString(36)}`,
      department: 'Sales',
      status: 'new' as const,
    }));
    disk.bytesLeft = 50_000; // the whole file is several times that
    const error = await writeSpreadsheet(path, {
      tenant: 'acme',
      domain: 'acme.com',
      rows,
      phoneSetup: { registrar: 'sip.acme.com', transport: 'tls', port: 5061 },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toBe(`cannot write the credentials spreadsheet ${path} (ENOSPC); the previous file, if any, is unchanged`);
    expect(disk.bytesLeft).toBeLessThan(50_000); // it failed after writing, not before
    expectOldFileIntact();
  });
});
