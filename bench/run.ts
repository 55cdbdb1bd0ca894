/**
 * `npm run bench`: the built CLI end to end against the Graph emulator, per size and backend,
 * next to floors measured in the same run; prints the Markdown table (stdout) and progress
 * (stderr). Run by hand, never by CI or vitest; it asserts nothing about time. Exit 0 when
 * every phase ran, 1 when one failed (its stderr is printed, the other runs go on), 2 on bad
 * arguments. Every temporary folder, database, child and the emulator are gone at the end.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cleanup } from './cleanup.js';
import { parseOptions, USAGE, UsageError, type BenchOptions } from './options.js';
import { adminUrl, describeUrl } from './postgres-databases.js';
import { growthTable, legend, phaseTable } from './report.js';
import { runScenario, type ScenarioResult } from './scenario.js';

const progress = (line: string) => process.stderr.write(`bench: ${line}\n`);

async function bench(options: BenchOptions, cleanup: Cleanup): Promise<ScenarioResult[]> {
  const admin = adminUrl();
  const backends = options.backends.filter((b) => b !== 'postgres' || admin !== undefined);
  if (backends.length < options.backends.length)
    progress('note: PBXSYNC_BENCH_POSTGRES_URL (or PBXSYNC_TEST_POSTGRES_URL) is not set: PostgreSQL rows skipped');
  else if (admin && backends.includes('postgres')) progress(`PostgreSQL: databases made and dropped through ${describeUrl(admin)}`);
  if (options.cpuProfDir) mkdirSync(options.cpuProfDir, { recursive: true });
  const results: ScenarioResult[] = [];
  for (const backend of backends) {
    for (const size of options.sizes) {
      const result = await runScenario({ size, backend, options, cleanup, admin, progress });
      if (result.failure) progress(`${size} ${backend} FAILED, going on with the next run:\n${result.failure}`);
      results.push(result);
    }
  }
  return results;
}

async function main(): Promise<number> {
  let options: BenchOptions | 'help';
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`bench: ${err.message}\n${USAGE}\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const cleanup = new Cleanup();
  cleanup.onSignals();
  // One folder holds every temporary file of the run (the emulator's certificates too, which
  // it makes under os.tmpdir()), so that nothing is left whatever fails.
  const root = mkdtempSync(join(tmpdir(), 'pbxsync-bench-'));
  process.env.TMPDIR = root;
  cleanup.add(`temporary folder ${root}`, () => rmSync(root, { recursive: true, force: true }));
  try {
    const load = loadavg()
      .map((x) => x.toFixed(1))
      .join(' ');
    progress(`sizes ${options.sizes.join(', ')}; latency ${options.latencyMs} ms; ${cpus().length} CPUs, load ${load}`);
    const results = await bench(options, cleanup);
    const growth = growthTable(results);
    process.stdout.write(`${phaseTable(results)}\n\n${growth ? `${growth}\n\n` : ''}${legend(results, options.latencyMs)}\n`);
    return results.some((r) => r.failure) ? 1 : 0;
  } finally {
    await cleanup.runAll();
  }
}

process.exitCode = await main();
