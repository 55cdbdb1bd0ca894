/**
 * Runs the built CLI without blocking the test process, for tests whose server (the Graph
 * emulator) lives in the test process itself: a synchronous call would stall its event loop.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { track } from './children.js';
import { cliEnv, ROOT, type CliResult } from './cli.js';
import { inProcess, runAsync } from './cli-runner.js';

/** `pbxsync()` without blocking: in a warm process (test/support/cli-runner.ts) when it can be. */
export async function pbxsyncAsync(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; input?: string }): Promise<CliResult> {
  const env = cliEnv(opts);
  return (inProcess(env) ? await runAsync({ args, cwd: opts.cwd, env, input: opts.input ?? '' }) : undefined) ?? spawnPbxsyncAsync(args, opts);
}

/** The same in a new process of its own. */
export function spawnPbxsyncAsync(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; input?: string }): Promise<CliResult> {
  return spawnAsync(process.execPath, [join(ROOT, 'bin', 'pbxsync.js'), ...args], { ...opts, env: cliEnv(opts) });
}

/** Any command, with exactly the environment given. */
export function spawnAsync(command: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; input?: string }): Promise<CliResult> {
  const child = track(spawn(command, args, { cwd: opts.cwd, env: opts.env }));
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin.on('error', () => undefined); // a process that exits without reading its input is fine
  child.stdin.end(opts.input ?? '');
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
