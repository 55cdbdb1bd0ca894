/**
 * Runs the built CLI (dist/) the way a user would, in a scratch copy of an example tenant: in a
 * warm process that starts each run as a new one would (test/support/cli-runner.ts), or with
 * `spawnPbxsync` as a process of its own (crash, signal, TTY and start-up tests).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { inProcess, runEnv, runSync, warmUp } from './cli-runner.js';
import { testIspConfig } from './isp.js';
import { tempDir } from './tmp.js';

export const ROOT = resolve(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'pbxsync.js');

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function scratchDir(prefix = 'pbxsync-e2e-'): string {
  return tempDir(prefix);
}

/** Writes a new random master key file (0600), as `pbxsync key generate` would. */
export function writeKeyFile(path: string): string {
  writeFileSync(path, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  return path;
}

/** A copy of examples/acme in a fresh folder, with its own master key file, under the tests' ISP configuration. */
export function exampleTenant(): { dir: string; env: NodeJS.ProcessEnv } {
  warmUp();
  const dir = scratchDir();
  cpSync(join(ROOT, 'examples', 'acme'), dir, { recursive: true, filter: (src) => !/\.(sqlite|xlsx)$|state\.json$|cache\.json$/.test(src) });
  return { dir, env: { PBXSYNC_MASTER_KEY_FILE: writeKeyFile(join(dir, 'master.key')), PBXSYNC_ISP_CONFIG: testIspConfig() } };
}

/** `pbxsync ARGS` in `cwd`, with PATH, HOME=cwd, NO_COLOR=1 and `env`; `input` on stdin. */
export function pbxsync(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; input?: string }): CliResult {
  const env = cliEnv(opts);
  return (inProcess(env) ? runSync({ args, cwd: opts.cwd, env, input: opts.input ?? '' }) : undefined) ?? spawnPbxsync(args, opts);
}

/** The same in a new process of its own. */
export function spawnPbxsync(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; input?: string }): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: opts.cwd,
    env: cliEnv(opts),
    input: opts.input ?? '',
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The environment of a CLI run: PATH, HOME (the working directory), NO_COLOR=1, then `env`. */
export function cliEnv(opts: { cwd: string; env?: NodeJS.ProcessEnv }): Record<string, string> {
  return runEnv({ PATH: process.env.PATH, HOME: opts.cwd, NO_COLOR: '1', ...opts.env });
}
