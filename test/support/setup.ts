/**
 * Runs around every test file (vitest setupFiles): processes a test started are stopped after
 * each test, also when it failed, and the file's temporary folder is removed at the end.
 */
import { afterAll, afterEach } from 'vitest';
import { killLeftovers } from './children.js';
import { removeTestTmp } from './tmp.js';

afterEach(() => {
  killLeftovers();
});

afterAll(() => {
  killLeftovers();
  removeTestTmp();
});
