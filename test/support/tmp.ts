/**
 * Temporary files of the tests: one folder per test file (under the system's temp folder),
 * removed after the file's tests by `test/support/setup.ts`, whatever happened.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let root: string | undefined;

/** This test file's folder, made on first use. */
export function testTmp(): string {
  root ??= mkdtempSync(join(tmpdir(), 'pbxsync-test-'));
  return root;
}

/** A new folder inside this test file's folder. */
export function tempDir(prefix = 'tmp-'): string {
  return mkdtempSync(join(testTmp(), prefix));
}

export function removeTestTmp(): void {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
}
