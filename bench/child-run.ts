/**
 * Runs one child (the CLI, or a floor script) and measures it from the outside: wall time from
 * spawn to exit, peak RSS (reported by `rss-hook.ts` at exit) and, for the CLI, the Graph
 * requests the emulator received meanwhile. Output is collected; a child that ends otherwise
 * than expected is a `ChildFailed` carrying its stderr.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { GraphEmulator } from '../test/graph-emulator/server.js';
import type { Cleanup } from './cleanup.js';

/** The repository: this file runs from `.bench-out/bench/`. */
const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const CLI = join(ROOT, 'bin', 'pbxsync.js');
const RSS_HOOK = fileURLToPath(new URL('./rss-hook.js', import.meta.url));

export interface ChildResult {
  readonly status: number | null;
  readonly wallMs: number;
  readonly peakRssMb: number;
  readonly graphRequests: number;
  readonly stdout: string;
  readonly stderr: string;
}

export class ChildFailed extends Error {
  constructor(
    readonly what: string,
    readonly result: Pick<ChildResult, 'status' | 'stderr' | 'stdout'>,
  ) {
    super(`${what} exited with ${result.status ?? 'a signal'}`);
  }
}

export interface RunOptions {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly cleanup: Cleanup;
  /** Exit codes that count as success (default 0). */
  readonly ok?: readonly number[];
  /** Counts the Graph requests of this child. */
  readonly emulator?: GraphEmulator;
  /** Writes a V8 CPU profile there (`--cpu-prof`). */
  readonly cpuProfDir?: string | undefined;
  /** Bytes written to the child's stdin. */
  readonly input?: string;
  /** A child still running after this long is killed and counts as failed (default 15 minutes). */
  readonly timeoutMs?: number;
}

/** `node SCRIPT ARGS...` with the RSS hook; `what` names it in errors. */
export async function runChild(what: string, script: string, args: readonly string[], options: RunOptions): Promise<ChildResult> {
  const scratch = mkdtempSync(join(tmpdir(), 'pbxsync-bench-rss-'));
  const rssFile = join(scratch, 'rss');
  const profile = options.cpuProfDir
    ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfDir, '--cpu-prof-name', `${what.replace(/[^a-z0-9]+/gi, '-')}.cpuprofile`]
    : [];
  const before = options.emulator?.graphRequests().length ?? 0;
  try {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--import', RSS_HOOK, ...profile, script, ...args], {
      cwd: options.cwd,
      env: { ...options.env, PBXSYNC_BENCH_RSS_FILE: rssFile },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    options.cleanup.track(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.end(options.input ?? '');
    let wallMs = 0;
    child.once('exit', () => (wallMs = performance.now() - t0));
    const limit = options.timeoutMs ?? 15 * 60_000;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, limit);
    const status = await new Promise<number | null>((done, fail) => {
      child.once('error', fail);
      child.once('close', (code) => done(code));
    }).finally(() => clearTimeout(timer));
    const result: ChildResult = {
      status,
      wallMs,
      peakRssMb: readRss(rssFile),
      graphRequests: (options.emulator?.graphRequests().length ?? 0) - before,
      stdout: Buffer.concat(out).toString('utf8'),
      stderr: Buffer.concat(err).toString('utf8'),
    };
    if (timedOut) throw new ChildFailed(`${what} (killed after ${limit / 1000} s)`, result);
    if (status === null || !(options.ok ?? [0]).includes(status)) throw new ChildFailed(what, result);
    return result;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The CLI, `pbxsync ARGS...`. */
export function runCli(what: string, args: readonly string[], options: RunOptions): Promise<ChildResult> {
  return runChild(what, CLI, args, options);
}

function readRss(file: string): number {
  try {
    return Number(readFileSync(file, 'utf8').trim()) / 1024;
  } catch {
    return Number.NaN; // killed before its exit handler ran
  }
}
