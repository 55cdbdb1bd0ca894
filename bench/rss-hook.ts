/**
 * Preloaded into every child the bench runs (`node --import`): at exit, writes the process's
 * peak resident set size (kB, `process.resourceUsage().maxRSS`) to PBXSYNC_BENCH_RSS_FILE.
 * The child's own code is not touched.
 */
import { writeFileSync } from 'node:fs';

const file = process.env.PBXSYNC_BENCH_RSS_FILE;
if (file) process.on('exit', () => writeFileSync(file, `${process.resourceUsage().maxRSS}\n`));
