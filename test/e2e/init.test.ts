/**
 * `pbxsync init` end to end, as an operator onboards a customer: init from a directory
 * snapshot → validate (no warning) → plan (no warning) → edit one user → apply → plan again
 * (no changes). It never replaces a file, its argument mistakes are one line and a hint, and
 * hostile directory names cannot break the file it writes.
 */
import { copyFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT, pbxsync, scratchDir, writeKeyFile, type CliResult } from '../support/cli.js';
import { firstUnsafe } from '../support/hostile.js';
import { testIspConfig } from '../support/isp.js';
import type { GraphEmulator } from '../graph-emulator/server.js';
import { acmeEmulator, CLIENT_ID, SECRET, TENANT_ID } from '../support/azure-fixture.js';
import { pbxsyncAsync } from '../support/cli-async.js';

const ARGS = ['--tenant', 'acme', '--domain', 'acme.com', '--start', '1001', '--end', '1999'];
const SCANNER = '5f4e4581-5c00-43d2-968c-20053f91ed95'; // svc.scanner@acme.com, a service account

let dir: string;
let env: NodeJS.ProcessEnv;
const run = (...args: string[]) => pbxsync(args, { cwd: dir, env });

beforeEach(() => {
  dir = scratchDir('pbxsync-init-');
  copyFileSync(join(ROOT, 'examples', 'acme', 'directory.json'), join(dir, 'directory.json'));
  env = { PBXSYNC_MASTER_KEY_FILE: writeKeyFile(join(dir, 'master.key')), PBXSYNC_ISP_CONFIG: testIspConfig() };
});

function ok(r: CliResult): CliResult {
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.status, r.stderr).toBe(0);
  return r;
}

function expectOneLineError(r: CliResult, message: RegExp): void {
  expect(r.status).toBe(1);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines[0]).toMatch(message);
  expect(lines.slice(1).every((l) => l.startsWith('  hint: '))).toBe(true);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

function noWarnings(r: CliResult): void {
  expect(`${r.stdout}${r.stderr}`).not.toMatch(/warning/i);
}

describe('pbxsync init', () => {
  it('from a snapshot: validate and plan with no warning, edit a user, apply, then no changes', () => {
    const init = ok(run('init', 'acme.yaml', ...ARGS, '--snapshot', 'directory.json', '--set', 'language=en-US', '--set', 'area_code=212'));
    expect(init.stdout).toBe('');
    expect(init.stderr).toMatch(/^Wrote acme\.yaml: 34 users in scope of 40 read from the directory/);
    expect(statSync(join(dir, 'acme.yaml')).mode & 0o777).toBe(0o644);
    const text = readFileSync(join(dir, 'acme.yaml'), 'utf8');
    expect(text).toContain(`  ${SCANNER}: {} # svc.scanner@acme.com  Scan to Email\n`);
    expect(text).toContain('  area_code: "212"\n');

    const validate = ok(run('validate', 'acme.yaml'));
    expect(validate.stdout).toBe('acme.yaml: ok\n');
    expect(validate.stderr).toBe('');
    expect(ok(run('pbx', 'init', 'sqlite:pbx.sqlite')).status).toBe(0);

    const plan = run('plan', 'acme.yaml', '--detailed-exitcode');
    expect(plan.status, plan.stderr).toBe(2);
    noWarnings(plan);
    expect(plan.stdout).toContain('Plan: 34 to create, 0 to update, 0 to disable, 0 to delete.');
    const json = JSON.parse(ok(run('plan', 'acme.yaml', '--json')).stdout) as { warnings: unknown[] };
    expect(json.warnings).toEqual([]);

    // The wizard's "edit users": leave the service account out.
    writeFileSync(join(dir, 'acme.yaml'), text.replace(`${SCANNER}: {}`, `${SCANNER}: { exclude: true }`));
    expect(ok(run('validate', 'acme.yaml')).stdout).toBe('acme.yaml: ok\n');
    const apply = ok(run('apply', 'acme.yaml', '--auto-approve'));
    noWarnings(apply);
    expect(apply.stdout).toContain('Apply complete: 33 created, 0 updated, 0 disabled, 0 deleted.');
    expect(existsSync(join(dir, 'acme-credentials.xlsx'))).toBe(true);
    const again = run('plan', 'acme.yaml', '--detailed-exitcode');
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain('No changes.');
  });

  it('--scope-domain chooses the UPN domains in scope; a domain under the ISP namespace needs none of the directory', () => {
    const both = ok(run('init', 'acme.yaml', ...ARGS, '--snapshot', 'directory.json', '--scope-domain', 'acme.com', '--scope-domain', 'acme-labs.io'));
    expect(both.stderr).toMatch(/^Wrote acme\.yaml: 36 users in scope of 40/);
    expect(readFileSync(join(dir, 'acme.yaml'), 'utf8')).toContain('    domains: [ acme.com, acme-labs.io ] # UPN domains in scope\n');
    expect(ok(run('validate', 'acme.yaml')).stdout).toBe('acme.yaml: ok\n');

    const none = ok(run('init', 'hooli.yaml', '--tenant', 'hooli', '--domain', 'hooli.com', '--start', '1001', '--snapshot', 'directory.json'));
    expect(none.stderr).toContain("note: no UPN is in the scope's domains; the directory's users are in acme-labs.io, acme.com: choose with --scope-domain");
    expect(parse(readFileSync(join(dir, 'hooli.yaml'), 'utf8'))).toMatchObject({ users: {} });
  });

  it('refuses an existing file, and leaves it as it was', () => {
    writeFileSync(join(dir, 'acme.yaml'), 'mine\n');
    expectOneLineError(run('init', 'acme.yaml', ...ARGS, '--snapshot', 'directory.json'), /^error: acme\.yaml exists already; it was not changed$/);
    expect(readFileSync(join(dir, 'acme.yaml'), 'utf8')).toBe('mine\n');
  });

  it.each([
    ['a start that is not a number', ['--start', 'abc'], /^error: --start takes a whole number from 1 to 99999999, not "abc"$/],
    ['a domain without a dot', ['--domain', 'acme'], /^error: --domain: domain 'acme' must have at least one dot/],
    ['a malformed domain', ['--domain', 'acme..com'], /^error: --domain: /],
    ['a tenant name in capitals', ['--tenant', 'Acme'], /^error: --tenant: tenant must be 1-63 lower-case letters/],
    ['no directory', ['--no-snapshot'], /^error: init needs a directory to read: --snapshot PATH, or --tenant-id, --client-id and --client-secret-env/],
    ['a missing snapshot', ['--snapshot', 'nope.json'], /directory snapshot not found$/],
    ['both sources', ['--tenant-id', 'contoso.onmicrosoft.com'], /^error: give --snapshot or the Entra ID options/],
    [
      'an Entra source without its secret',
      ['--no-snapshot', '--tenant-id', 't', '--client-id', 'c'],
      /^error: an Entra ID source needs --tenant-id, --client-id and --client-secret-env$/,
    ],
    [
      'a secret variable the ISP does not allow',
      ['--no-snapshot', '--tenant-id', 't', '--client-id', 'c', '--client-secret-env', 'OTHER_SECRET'],
      /^error: environment variable OTHER_SECRET may not be used in a tenant file/,
    ],
    [
      'a domain the directory does not list',
      ['--domain', 'globex.net'],
      /^error: the tenant's SIP domain globex\.net is not a verified domain of the directory snapshot/,
    ],
    ['an unknown default', ['--set', 'langauge=en-US'], /^error: --set: "langauge" is not a key of defaults$/],
    ['a default out of range', ['--set', 'dial_timeout=2'], /^error: --set dial_timeout: defaults\.dial_timeout must be at least 5/],
  ])('%s: one line and a hint, no file', (_what, change, message) => {
    const args = [...ARGS, '--snapshot', 'directory.json'];
    for (let i = 0; i < change.length; i++) {
      const flag = change[i]!;
      if (flag === '--no-snapshot') {
        args.splice(args.indexOf('--snapshot'), 2);
        continue;
      }
      const at = args.indexOf(flag);
      if (at >= 0) args[at + 1] = change[++i]!;
      else args.push(flag, change[++i]!);
    }
    expectOneLineError(run('init', 'acme.yaml', ...args), message);
    expect(existsSync(join(dir, 'acme.yaml'))).toBe(false);
  });

  it('a folder that does not exist: one line, before the directory is read', () => {
    expectOneLineError(
      run('init', 'tenants/acme.yaml', ...ARGS, '--snapshot', 'directory.json'),
      /^error: cannot write tenants\/acme\.yaml: the folder .*\/tenants does not exist$/,
    );
  });

  it("a missing required option is commander's one line", () => {
    const r = run('init', 'acme.yaml', '--domain', 'acme.com', '--start', '1001', '--snapshot', 'directory.json');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: required option '--tenant <name>' not specified\n/);
  });

  it('hostile directory names: the file holds exactly the users, in comments that stay comments', () => {
    const file = join(dir, 'directory.json');
    const pages = JSON.parse(readFileSync(file, 'utf8')) as { value: Record<string, unknown>[] }[];
    const hostile = [
      'Emma\nusers: { 9823beb1-e6ba-4ad7-8de4-5321ad915a36: { exclude: true } }',
      'Brian \u202Egnp.exe\u202C \u001b]52;c;ZXZpbA==\u0007\r # "x": {',
      `Long ${'ñ'.repeat(3000)}`,
      '\u2028---\u2029tenant: evil',
    ];
    const targets = ['emma.schmidt@acme.com', 'brian.oconnor@acme.com', 'chen.wei@acme.com', 'daniel.kim@acme.com'];
    for (const u of pages.flatMap((p) => p.value)) {
      const i = targets.indexOf(String(u.userPrincipalName));
      if (i >= 0) u.displayName = hostile[i];
    }
    writeFileSync(file, JSON.stringify(pages));
    ok(run('init', 'acme.yaml', ...ARGS, '--snapshot', 'directory.json'));
    const text = readFileSync(join(dir, 'acme.yaml'), 'utf8');
    expect(firstUnsafe(text)).toBeNull();
    const parsed = parse(text) as { tenant: string; users: Record<string, unknown> };
    expect(parsed.tenant).toBe('acme');
    expect(Object.keys(parsed.users)).toHaveLength(34);
    expect(Object.values(parsed.users).every((v) => JSON.stringify(v) === '{}')).toBe(true);
    expect(text).toMatch(/^ {2}9823beb1-e6ba-4ad7-8de4-5321ad915a36: \{\} # emma\.schmidt@acme\.com {2}Emmausers: \{ 9823beb1/m); // C0 removed, as the plan stores it
    expect(text).toContain('# brian.oconnor@acme.com  Brian \\u{202e}gnp.exe\\u{202c} ]52;c;ZXZpbA== # "x": {\n');
    expect(Math.max(...text.split('\n').map((l) => l.length))).toBeLessThan(400);
    expect(ok(run('validate', 'acme.yaml')).stdout).toBe('acme.yaml: ok\n');
    ok(run('pbx', 'init', 'sqlite:pbx.sqlite'));
    const plan = ok(run('plan', 'acme.yaml'));
    expect(plan.stdout).toContain('Plan: 34 to create, 0 to update, 0 to disable, 0 to delete.');
  });
});

describe('pbxsync init from Entra ID (the Graph emulator)', () => {
  let em: GraphEmulator;
  beforeEach(async () => {
    em = await acmeEmulator();
  });
  afterEach(async () => {
    await em.stop();
  });
  const runAsync = (...args: string[]) => pbxsyncAsync(args, { cwd: dir, env: { ...env, ACME_GRAPH_SECRET: SECRET } });
  const azure = () => [
    '--tenant-id',
    TENANT_ID,
    '--client-id',
    CLIENT_ID,
    '--client-secret-env',
    'ACME_GRAPH_SECRET',
    '--authority-host',
    em.url,
    '--graph-endpoint',
    em.url,
    '--ca-file',
    em.caFile,
  ];

  it('reads the directory live, writes the secret as ${ACME_GRAPH_SECRET}, and plans like the snapshot', async () => {
    const init = await runAsync('init', 'acme.yaml', ...ARGS, ...azure());
    expect(init.status, init.stderr).toBe(0);
    expect(init.stderr).toMatch(/^Wrote acme\.yaml: 34 users in scope of 40 read from the directory/);
    const text = readFileSync(join(dir, 'acme.yaml'), 'utf8');
    expect(text).toContain('  client_secret: ${ACME_GRAPH_SECRET}\n');
    expect(text).not.toContain(SECRET);
    expect(text).toContain(`  ${SCANNER}: {} # svc.scanner@acme.com  Scan to Email\n`);
    expect(parse(text)).toMatchObject({
      source: { type: 'azure', tenant_id: TENANT_ID, client_id: CLIENT_ID, authority_host: em.url, graph_endpoint: em.url },
    });

    const validate = await runAsync('validate', 'acme.yaml');
    expect(validate.stdout).toBe('acme.yaml: ok\n');
    expect(validate.stderr).toBe('');
    expect((await runAsync('pbx', 'init', 'sqlite:pbx.sqlite')).status).toBe(0);
    const plan = await runAsync('plan', 'acme.yaml', '--detailed-exitcode');
    expect(plan.status, plan.stderr).toBe(2);
    noWarnings(plan);
    expect(plan.stdout).toContain('Plan: 34 to create, 0 to update, 0 to disable, 0 to delete.');
  });

  it('a wrong secret is one line and a hint, and no file', async () => {
    const r = await pbxsyncAsync(['init', 'acme.yaml', ...ARGS, ...azure()], { cwd: dir, env: { ...env, ACME_GRAPH_SECRET: 'wrong' } });
    expectOneLineError(r, /^error: Entra ID rejected the client secret of app /);
    expect(existsSync(join(dir, 'acme.yaml'))).toBe(false);
  });
});
