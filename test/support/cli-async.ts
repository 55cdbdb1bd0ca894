/**
 * Spawns the built CLI without blocking the test process, for tests whose server (the Graph
 * emulator) lives in the test process itself: `spawnSync` would stall its event loop.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { track } from './children.js';
import { ROOT, type CliResult } from './cli.js';

export function pbxsyncAsync(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; input?: string }): Promise<CliResult> {
  const env = { PATH: process.env.PATH, HOME: opts.cwd, NO_COLOR: '1', ...opts.env };
  return spawnAsync(process.execPath, [join(ROOT, 'bin', 'pbxsync.js'), ...args], { ...opts, env });
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
