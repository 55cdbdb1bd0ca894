import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/support/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // vitest's default is one file at a time on 2 cores; most of a CLI test file's time is spent
    // waiting (PostgreSQL, Kamailio, the emulator, the CLI server), so two files overlap well.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
