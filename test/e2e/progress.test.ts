/**
 * Progress lines are for people at a terminal: run in a real pseudo-terminal (util-linux
 * `script`), apply draws and redraws them on stderr; in a pipe (a CI log) there is no progress,
 * no carriage return and no escape sequence, only the notices, one per line. `--quiet` leaves
 * out the notices and the progress, not the output, warnings or errors.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { ROOT, exampleTenant, pbxsync } from '../support/cli.js';

let dir: string;
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  ({ dir, env } = exampleTenant());
  expect(pbxsync(['pbx', 'init', 'sqlite:pbx.sqlite'], { cwd: dir, env }).status).toBe(0);
});

const hasScript = spawnSync('script', ['--version']).status === 0;

/** The CLI with stderr on a pseudo-terminal (stdout to a file): what the terminal showed. */
function onTerminal(args: string[]): { status: number | null; terminal: string } {
  const command = [process.execPath, join(ROOT, 'bin', 'pbxsync.js'), ...args].map((a) => `'${a}'`).join(' ');
  const r = spawnSync('script', ['-qec', `${command} > stdout.txt`, '/dev/null'], {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: dir, SHELL: '/bin/sh', TERM: 'xterm', NO_COLOR: '1', ...env },
    input: '',
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, terminal: r.stdout };
}

const CONTROL = /[\r\u001b]/;

describe.skipIf(!hasScript)('on a terminal', () => {
  it('apply draws progress lines for the directory, the hashes and the rows, updated in place', () => {
    const r = onTerminal(['apply', 'tenant.yaml', '--auto-approve']);
    expect(r.status).toBe(0);
    for (const label of ['reading the directory', 'softphone hashes', 'writing rows']) expect(r.terminal).toContain(label);
    expect(r.terminal).toMatch(/writing rows \[=+\] \d+\/\d+ \(100%\)/);
    expect(r.terminal).toMatch(/\u001b\[1G/); // back to the line's start, to redraw it
    expect(r.terminal).toContain('read 40 users from the directory'); // notices still go out
  });

  it('--quiet draws none, and prints no notices', () => {
    const r = onTerminal(['--quiet', 'apply', 'tenant.yaml', '--auto-approve']);
    expect(r.status).toBe(0);
    expect(r.terminal).not.toContain('writing rows');
    expect(r.terminal).not.toContain('read 40 users');
    expect(r.terminal).not.toMatch(CONTROL);
  });
});

describe('in a pipe (a CI log)', () => {
  it('no progress, no carriage returns, no escape sequences: the notices, one per line', () => {
    const r = pbxsync(['apply', 'tenant.yaml', '--auto-approve'], { cwd: dir, env });
    expect(r.status).toBe(0);
    expect(r.stderr).not.toMatch(CONTROL);
    expect(r.stderr).not.toContain('writing rows');
    expect(r.stderr).toContain('read 40 users from the directory\n');
  });

  it('--quiet: the plan on stdout, nothing else on stderr', () => {
    const r = pbxsync(['plan', 'tenant.yaml', '--quiet'], { cwd: dir, env });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Plan: ');
    expect(r.stderr).toBe('');
    const applied = pbxsync(['-q', 'apply', 'tenant.yaml', '--auto-approve'], { cwd: dir, env });
    expect(applied.status).toBe(0);
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toContain('Plan: ');
  });

  it('--quiet keeps warnings and errors', () => {
    const tenant = join(dir, 'tenant.yaml');
    writeFileSync(tenant, readFileSync(tenant, 'utf8').replace('    - 1100 #', '    - 500 #'));
    const warned = pbxsync(['plan', 'tenant.yaml', '--quiet'], { cwd: dir, env });
    expect(warned.status).toBe(0);
    expect(warned.stderr).toMatch(/tenant\.yaml:\d+:\d+: warning: reserved 500 lies outside/);
    expect(warned.stderr).not.toContain('read 40 users');
    writeFileSync(join(dir, 'bad.yaml'), 'tenant: acme\nnonsense: true\n');
    const bad = pbxsync(['validate', 'bad.yaml', '--quiet'], { cwd: dir, env });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/bad\.yaml:\d+:\d+/);
    const missingKey = pbxsync(['plan', 'tenant.yaml', '--quiet'], { cwd: dir, env: { ...env, PBXSYNC_MASTER_KEY_FILE: join(dir, 'no.key') } });
    expect(missingKey.status).toBe(1);
    expect(missingKey.stderr).toMatch(/^error: /m);
  });
});
