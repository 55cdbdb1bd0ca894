/**
 * Runs around every test file (vitest setupFiles): processes a test started are stopped after
 * each test, also when it failed, and the file's temporary folder is removed at the end.
 */
import { afterAll, afterEach } from 'vitest';
import { killLeftovers } from './children.js';
import { killBusyRuns, stopRunner } from './cli-runner.js';
import { removeTestTmp } from './tmp.js';

afterEach(() => {
  killLeftovers();
  killBusyRuns();
});

afterAll(() => {
  killLeftovers();
  stopRunner();
  removeTestTmp();
});
