/** The bench's command line: which sizes and backends to run, at which Graph latency. */
export type Backend = 'sqlite' | 'postgres';

export interface BenchOptions {
  readonly sizes: readonly number[];
  readonly backends: readonly Backend[];
  /** Delay of every Graph answer in the emulator (token requests are not delayed). */
  readonly latencyMs: number;
  /** Also run the 1%-changed re-sync (an apply). */
  readonly changed: boolean;
  /** When set, every CLI child writes a V8 CPU profile (`node --cpu-prof`) into this folder. */
  readonly cpuProfDir: string | undefined;
}

export const USAGE = `usage: npm run bench -- [--sizes 1000,5000,20000] [--backend sqlite|postgres|all]
                        [--latency 50] [--no-changed] [--cpu-prof DIR]

Runs the built CLI end to end against the Graph emulator and prints a Markdown table of
phase x size x backend with wall time, peak RSS, Graph requests and the ratio to the floors
measured in the same run. PostgreSQL needs PBXSYNC_BENCH_POSTGRES_URL (or
PBXSYNC_TEST_POSTGRES_URL): a role that may CREATE DATABASE; without it those rows are skipped.`;

export class UsageError extends Error {}

export function parseOptions(argv: readonly string[]): BenchOptions | 'help' {
  let sizes = [1_000, 5_000, 20_000];
  let backends: Backend[] = ['sqlite', 'postgres'];
  let latencyMs = 50;
  let changed = true;
  let cpuProfDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    if (arg === '--help' || arg === '-h') return 'help';
    else if (arg === '--sizes') sizes = parseSizes(value());
    else if (arg === '--backend') backends = parseBackend(value());
    else if (arg === '--latency') latencyMs = nonNegative(value(), '--latency');
    else if (arg === '--no-changed') changed = false;
    else if (arg === '--cpu-prof') cpuProfDir = value();
    else throw new UsageError(`unknown argument ${arg}`);
  }
  return { sizes, backends, latencyMs, changed, cpuProfDir };
}

function parseSizes(text: string): number[] {
  const sizes = text.split(',').map((s) => Number(s.trim().replace(/_/g, '')));
  if (sizes.length === 0 || sizes.some((n) => !Number.isInteger(n) || n < 100))
    throw new UsageError(`--sizes takes whole numbers of at least 100, comma-separated, not ${text}`);
  return [...new Set(sizes)].sort((a, b) => a - b);
}

function parseBackend(text: string): Backend[] {
  if (text === 'all') return ['sqlite', 'postgres'];
  if (text === 'sqlite' || text === 'postgres') return [text];
  throw new UsageError(`--backend is sqlite, postgres or all, not ${text}`);
}

function nonNegative(text: string, name: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${name} takes a number of milliseconds, not ${text}`);
  return n;
}
