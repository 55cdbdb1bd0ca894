/**
 * The tool as `npm install -g` gets it: `npm pack` of a copy of the project that has every
 * generated file a demo leaves behind builds dist/ in prepack, ships only what runs (no
 * spreadsheets, databases, state, keys, tests, fixtures, benchmarks, source maps), and the
 * tarball installs into an empty global prefix, where `pbxsync --version`, `validate` and a
 * plan on SQLite work. A clone without a build says so in one line.
 *
 * The install resolves the dependencies from the registry (the npm cache answers what it has).
 * better-sqlite3's native build takes minutes on a busy machine, so by default the install
 * skips install scripts and the binary the project built is put in place (same version,
 * same Node); PBXSYNC_TEST_PACK_NATIVE=1 runs the real build instead.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, scratchDir, writeKeyFile } from '../support/cli.js';

const NATIVE = process.env.PBXSYNC_TEST_PACK_NATIVE === '1';
const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

let work: string;
let files: string[];
let tarball: string;
let prefix: string;

/** The project as a clone after `npm run demo`: sources, no dist/, and the demo's leftovers. */
function dirtyCopy(): string {
  const copy = join(work, 'project');
  cpSync(ROOT, copy, { recursive: true, filter: (src) => !/[/\\](node_modules|\.git|dist|\.bench-out|coverage)$/.test(src) });
  rmSync(join(copy, '.git'), { force: true, recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
  for (const leftover of ['pbx.sqlite', 'acme-credentials.xlsx', 'acme.pbxsync-state.json', 'acme.pbxsync-cache.json', 'master.key'])
    writeFileSync(join(copy, 'examples', 'acme', leftover), 'generated');
  writeFileSync(join(copy, 'master.key'), 'secret');
  return copy;
}

function npm(args: string[], cwd: string, timeout: number): string {
  return execFileSync('npm', args, {
    cwd,
    encoding: 'utf8',
    timeout,
    killSignal: 'SIGKILL',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
}

beforeAll(
  () => {
    work = scratchDir('package-');
    const project = dirtyCopy();
    const out = join(work, 'out');
    mkdirSync(out);
    // prepack runs here: a clean build of dist/ into the copy. --json's array follows the build's own output.
    const printed = npm(['pack', '--json', '--pack-destination', out], project, 180_000);
    const report = JSON.parse(printed.slice(printed.search(/^\[/m))) as { filename: string; files: { path: string }[] }[];
    files = report[0]!.files.map((f) => f.path).sort();
    tarball = join(out, report[0]!.filename);

    prefix = join(work, 'prefix');
    const scripts = NATIVE ? ['--allow-scripts=better-sqlite3'] : ['--ignore-scripts'];
    npm(['install', '-g', '--prefix', prefix, tarball, '--prefer-offline', '--no-audit', '--no-fund', ...scripts], work, NATIVE ? 600_000 : 180_000);
    if (!NATIVE) {
      const installed = join(prefix, 'lib', 'node_modules', 'pbxsync', 'node_modules', 'better-sqlite3');
      const ours = join(ROOT, 'node_modules', 'better-sqlite3');
      expect(JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')).version).toBe(
        JSON.parse(readFileSync(join(ours, 'package.json'), 'utf8')).version,
      );
      mkdirSync(join(installed, 'build', 'Release'), { recursive: true });
      copyFileSync(join(ours, 'build', 'Release', 'better_sqlite3.node'), join(installed, 'build', 'Release', 'better_sqlite3.node'));
    }
  },
  NATIVE ? 900_000 : 360_000,
);

describe('npm pack', () => {
  it('ships the program, its schemas, the examples and the README, built by prepack', () => {
    for (const f of [
      'package.json',
      'README.md',
      'bin/pbxsync.js',
      'dist/cli/main.js',
      'dist/version.js',
      'schemas/tenant.schema.json',
      'schemas/isp.schema.json',
      'examples/acme/tenant.yaml',
      'examples/acme/directory.json',
      'examples/isp/demo.yaml',
    ])
      expect(files).toContain(f);
  });

  it('ships nothing generated, no secrets, tests, fixtures, benchmarks, sources or source maps', () => {
    const forbidden = files.filter((f) =>
      /\.(sqlite|xlsx|map|key)$|state\.json$|cache\.json$|^(src|test|bench|scripts|\.ci)\/|fixtures|tsconfig|vitest|package-lock/.test(f),
    );
    expect(forbidden).toEqual([]);
    expect(files.every((f) => /^(bin|dist|schemas|examples)\/|^(package\.json|README\.md|LICENSE)$/.test(f))).toBe(true);
  });
});

describe('npm install -g of the tarball', () => {
  const bin = () => join(prefix, 'bin', 'pbxsync');
  const run = (args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) =>
    spawnSync(bin(), args, { cwd, encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH, HOME: cwd, NO_COLOR: '1', ...env } });

  it('puts pbxsync on the prefix with the version of package.json', () => {
    const r = run(['--version'], work);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(version);
  });

  it('validates and plans the shipped example on SQLite', () => {
    const example = join(work, 'acme');
    cpSync(join(prefix, 'lib', 'node_modules', 'pbxsync', 'examples', 'acme'), example, { recursive: true });
    const env = {
      PBXSYNC_ISP_CONFIG: join(prefix, 'lib', 'node_modules', 'pbxsync', 'examples', 'isp', 'demo.yaml'),
      PBXSYNC_MASTER_KEY_FILE: writeKeyFile(join(example, 'master.key')),
    };
    const validate = run(['validate', 'tenant.yaml'], example, env);
    expect(validate.stdout + validate.stderr).toContain('tenant.yaml: ok');
    expect(validate.status).toBe(0);
    expect(run(['pbx', 'init', 'sqlite:pbx.sqlite'], example, env).status).toBe(0);
    const plan = run(['plan', 'tenant.yaml', '--detailed-exitcode'], example, env);
    expect(plan.stderr).not.toMatch(/\n\s+at /);
    expect(plan.status).toBe(2);
    expect(plan.stdout).toMatch(/create/i);
  });
});

describe('a clone without a build', () => {
  it('says in one line how to build, not with a stack', () => {
    const clone = join(work, 'clone');
    mkdirSync(join(clone, 'bin'), { recursive: true });
    copyFileSync(join(ROOT, 'bin', 'pbxsync.js'), join(clone, 'bin', 'pbxsync.js'));
    copyFileSync(join(ROOT, 'package.json'), join(clone, 'package.json'));
    const r = spawnSync(process.execPath, [join(clone, 'bin', 'pbxsync.js'), '--version'], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^pbxsync is not built: run `npm run build`[^\n]*\n$/);
  });
});
