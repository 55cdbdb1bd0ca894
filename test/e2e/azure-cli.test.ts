/**
 * The azure source end to end: the built CLI, spawned on a copy of examples/acme whose tenant
 * file reads from the Graph emulator (type: azure, secret from ACME_GRAPH_SECRET, emulator CA
 * trusted through ca_file). The emulator holds the same users as the example's snapshot, so
 * every plan must equal the snapshot's plan.
 */
import Database from 'better-sqlite3';
import { cpSync, existsSync, readFileSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import type { GraphEmulator } from '../graph-emulator/server.js';
import { acmeEmulator, CLIENT_ID, SECRET, TENANT_ID, useAzureSource } from '../support/azure-fixture.js';
import { exampleTenant, ROOT } from '../support/cli.js';
import { testIspYaml, writeTestIspConfig } from '../support/isp.js';
import { pbxsyncAsync, spawnAsync } from '../support/cli-async.js';

let em: GraphEmulator;
let dir: string;
let env: NodeJS.ProcessEnv;
const run = (...args: string[]) => pbxsyncAsync(args, { cwd: dir, env });

/** The plan of the untouched example (snapshot source), in a fresh copy, with the same master key. */
async function snapshotPlan(): Promise<string> {
  const copy = await initialisedExample();
  const r = await pbxsyncAsync(['plan', 'tenant.yaml'], { cwd: copy.dir, env: { ...copy.env, PBXSYNC_MASTER_KEY_FILE: env.PBXSYNC_MASTER_KEY_FILE } });
  expect(r.status).toBe(0);
  return r.stdout;
}

/** A copy of examples/acme with an empty, initialised PBX database. */
async function initialisedExample(): Promise<{ dir: string; env: NodeJS.ProcessEnv }> {
  const copy = exampleTenant();
  expect((await pbxsyncAsync(['pbx', 'init', 'sqlite:pbx.sqlite'], { cwd: copy.dir, env: copy.env })).status).toBe(0);
  return copy;
}

/** What a rewrite of a file changes: a new inode (written whole, then renamed) or a new mtime. */
function pick(s: Stats): { ino: number; mtimeMs: number } {
  return { ino: s.ino, mtimeMs: s.mtimeMs };
}

function editSource(edit: Record<string, unknown>): void {
  const file = join(dir, 'tenant.yaml');
  const doc = parseDocument(readFileSync(file, 'utf8'));
  for (const [k, v] of Object.entries(edit)) doc.setIn(['source', k], v);
  writeFileSync(file, doc.toString());
}

/** For the device-code sign-in, which needs no credential of the app. */
function removeSecret(): void {
  const file = join(dir, 'tenant.yaml');
  const doc = parseDocument(readFileSync(file, 'utf8'));
  doc.deleteIn(['source', 'client_secret']);
  writeFileSync(file, doc.toString());
}

function expectOneLineError(r: { status: number | null; stdout: string; stderr: string }, message: RegExp): void {
  expect(r.status).toBe(1);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines[0]).toMatch(message);
  expect(lines.slice(1).every((l) => l.startsWith('  hint: '))).toBe(true);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stderr).not.toContain(SECRET);
}

beforeEach(async () => {
  em = await acmeEmulator();
  const copy = await initialisedExample();
  dir = copy.dir;
  env = { ...copy.env, ...useAzureSource(dir, em) };
});

afterEach(async () => {
  await em.stop();
});

describe('plan and apply from Entra ID', () => {
  it('plans exactly what the snapshot of the same directory plans; a re-plan with nothing changed costs 2 Graph requests and rewrites no cache', async () => {
    const expected = await snapshotPlan();
    const plan = await run('plan', 'tenant.yaml');
    expect(plan.stderr).toContain('read 40 users from the directory');
    expect(plan.stdout).toBe(expected);
    // The first read: the delta link for now, one page of /users, and the domains.
    expect(
      em
        .graphRequests()
        .map((r) => r.path)
        .sort(),
    ).toEqual(['/v1.0/domains', '/v1.0/users', '/v1.0/users/delta']);
    const cacheFile = join(dir, 'acme.pbxsync-cache.json');

    expect((await run('apply', 'tenant.yaml', '--auto-approve', '--no-spreadsheet')).status).toBe(0);
    // The first plan after the apply plans in full and remembers that nothing was left to do
    // (the no-change check); from then on nothing is written while nothing changes.
    expect((await run('plan', 'tenant.yaml', '--detailed-exitcode')).status).toBe(0);
    const written = { ...pick(statSync(cacheFile)), text: readFileSync(cacheFile, 'utf8') };
    for (let i = 0; i < 2; i++) {
      const before = em.graphRequests().length;
      const again = await run('plan', 'tenant.yaml', '--detailed-exitcode');
      expect(again.status).toBe(0);
      expect(again.stdout).toContain('No changes.');
      expect(again.stderr).toContain('unchanged since the last run');
      expect(em.graphRequests().length - before).toBe(2);
      expect({ ...pick(statSync(cacheFile)), text: readFileSync(cacheFile, 'utf8') }).toEqual(written);
    }
    expect(readFileSync(join(dir, 'acme.pbxsync-state.json'), 'utf8')).not.toContain(SECRET);
    // The delta cache lives in its own file, never in the state an apply must not lose.
    expect(readFileSync(join(dir, 'acme.pbxsync-state.json'), 'utf8')).not.toContain('deltaLink');
    expect(readFileSync(join(dir, 'acme.pbxsync-cache.json'), 'utf8')).toContain('deltaLink');
    expect(readFileSync(join(dir, 'acme.pbxsync-cache.json'), 'utf8')).not.toContain(SECRET);
  });

  it('a user removed from the directory is a leaver after the delta re-sync', async () => {
    expect((await run('apply', 'tenant.yaml', '--auto-approve', '--no-spreadsheet')).status).toBe(0);
    const grace = [...em.directory.users.values()].find((u) => u.userPrincipalName === 'grace.hopper@acme.com')!;
    em.directory.deleteUser(grace.id);
    const before = em.graphRequests().length;
    const plan = await run('plan', 'tenant.yaml');
    expect(plan.stdout).toMatch(/- \d+ +grace\.hopper .*\(disable/);
    expect(plan.stdout).toContain('Plan: 0 to create, 0 to update, 1 to disable, 0 to delete.');
    expect(em.graphRequests().length - before).toBeLessThanOrEqual(2);
  });

  it('with a third of the requests throttled, the plan is identical', async () => {
    const expected = await snapshotPlan();
    em.faults.add({ kind: 'throttle', share: 1 / 3, seed: 3, retryAfter: '0.01', service: 'all' });
    em.graph.options.maxPageSize = 4; // ten pages of /users
    const plan = await run('plan', 'tenant.yaml');
    expect(plan.stdout).toBe(expected);
    expect(em.log.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(3);
  });

  it('an expired delta token falls back to a full read, with a notice', async () => {
    expect((await run('plan', 'tenant.yaml')).status).toBe(0);
    em.expireDeltaTokens();
    const plan = await run('plan', 'tenant.yaml');
    expect(plan.status).toBe(0);
    expect(plan.stderr).toMatch(/notice: the directory's delta token is no longer valid \(syncStateNotFound\); reading every user again/);
    expect(plan.stdout).toBe(await snapshotPlan());
  });

  it('a delta link Graph refuses (a garbled token in the state file) costs one full read; the next plan is incremental again', async () => {
    expect((await run('plan', 'tenant.yaml')).status).toBe(0);
    const stateFile = join(dir, 'acme.pbxsync-cache.json');
    writeFileSync(stateFile, readFileSync(stateFile, 'utf8').replace(/\$deltatoken=[^"&]*/, '$deltatoken=Z2FyYmxlZA'));
    const plan = await run('plan', 'tenant.yaml');
    expect(plan.status).toBe(0);
    expect(plan.stderr).toMatch(/notice: Graph refused the cached delta link \(400 Request_BadRequest\); reading every user again/);
    expect(plan.stdout).toBe(await snapshotPlan());
    expect(readFileSync(stateFile, 'utf8')).not.toContain('Z2FyYmxlZA');
    const before = em.graphRequests().length;
    const again = await run('plan', 'tenant.yaml');
    expect(again.stderr).not.toContain('notice: Graph refused');
    expect(em.graphRequests().length - before).toBeLessThanOrEqual(2);
  });

  it('a failed read never yields a plan: nothing is disabled', async () => {
    expect((await run('apply', 'tenant.yaml', '--auto-approve', '--no-spreadsheet')).status).toBe(0);
    const rows = () => new Database(join(dir, 'pbx.sqlite'), { readonly: true }).prepare('SELECT username FROM subscriber ORDER BY username').all();
    const subscribers = rows();
    editSource({ max_wait_seconds: 1 });
    em.directory.updateUser([...em.directory.users.keys()][0]!, { displayName: 'Changed' });
    em.graph.options.maxPageSize = 1;
    em.faults.add({ kind: 'throttle', every: 1, retryAfter: '5', path: /^\/v1\.0\/users/ });
    const apply = await run('apply', 'tenant.yaml', '--auto-approve', '--no-spreadsheet');
    expectOneLineError(apply, /^error: Microsoft Graph is still throttled \(429\) .* gave up without a result, nothing was changed$/);
    expect(rows()).toEqual(subscribers);
  });
});

describe('discover and consent', () => {
  it('discover lists users with username and extension and saves a snapshot the snapshot source reads', async () => {
    const r = await run('discover', 'tenant.yaml', '--save', 'saved.json');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^EXTENSION +USERNAME +NAME +UPN +STATUS$/m);
    expect(r.stdout).toMatch(/^1050 +reception +.*reception@acme\.com +new$/m);
    expect(r.stdout).toMatch(/users in scope of 40 read from the directory/);
    expect(r.stderr).not.toContain('reading the directory'); // no progress when stderr is not a terminal
    expect(existsSync(join(dir, 'saved.json'))).toBe(true);

    const copy = await initialisedExample();
    cpSync(join(dir, 'saved.json'), join(copy.dir, 'directory.json'));
    const fromSaved = await pbxsyncAsync(['plan', 'tenant.yaml'], {
      cwd: copy.dir,
      env: { ...copy.env, PBXSYNC_MASTER_KEY_FILE: env.PBXSYNC_MASTER_KEY_FILE },
    });
    expect(fromSaved.stdout).toBe(await snapshotPlan());
  });

  it.skipIf(!existsSync('/usr/bin/script'))('discover shows read progress when stderr is a terminal', async () => {
    em.graph.options.maxPageSize = 10;
    // util-linux `script` runs the command on a pseudo-terminal and copies what it prints.
    const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(join(ROOT, 'bin', 'pbxsync.js'))} discover tenant.yaml`;
    const r = await spawnAsync('/usr/bin/script', ['-qefc', cmd, '/dev/null'], { cwd: dir, env: { ...env, PATH: process.env.PATH, HOME: dir, NO_COLOR: '1' } });
    expect(r.status).toBe(0);
    // Redrawn in place (back to the line's start) as the pages come in.
    expect(r.stdout).toMatch(/\u001b\[1Greading the directory: 10\b/);
    expect(r.stdout).toMatch(/\u001b\[1Greading the directory: 40\b/);
  });

  it('discover --device-code signs in as an admin, without a client secret', async () => {
    removeSecret();
    const r = await run('discover', 'tenant.yaml', '--device-code');
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/devicelogin .*EMU12345/);
    expect(r.stdout).toMatch(/reception@acme\.com/);
  });

  it('discover --device-code declined in the browser: the prompt, then one error line with a hint', async () => {
    removeSecret();
    em.auth.deviceSignIn = { outcome: 'decline', pendingPolls: 0 };
    const r = await run('discover', 'tenant.yaml', '--device-code');
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/devicelogin .*EMU12345/);
    expect(lines.slice(1)).toEqual([
      'error: the device-code sign-in was declined in the browser (authorization_declined, AADSTS65004)',
      '  hint: run again and accept the permissions in the browser; the account must be allowed to consent for the directory (e.g. a Global Administrator)',
    ]);
    expect(em.graphRequests()).toEqual([]);
  });

  it('discover --device-code with tenant_id: organizations is refused by validation, before any sign-in', async () => {
    removeSecret();
    editSource({ tenant_id: 'organizations' });
    const r = await run('discover', 'tenant.yaml', '--device-code');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /^tenant\.yaml:\d+:\d+: error: source\.tenant_id 'organizations' is a multi-tenant alias; pbxsync signs in to one customer's directory$/m,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(em.log).toEqual([]);
  });

  it('azure consent-url prints the admin consent URL and the permissions, even before the secret is set', async () => {
    const r = await pbxsyncAsync(['azure', 'consent-url', 'tenant.yaml'], {
      cwd: dir,
      env: { PBXSYNC_MASTER_KEY_FILE: env.PBXSYNC_MASTER_KEY_FILE, PBXSYNC_ISP_CONFIG: env.PBXSYNC_ISP_CONFIG },
    });
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(`${em.url}/${TENANT_ID}/adminconsent?client_id=${CLIENT_ID}`);
    for (const p of ['User.Read.All', 'GroupMember.Read.All', 'Domain.Read.All']) expect(r.stdout).toContain(`  ${p}\n`);
    expect((await run('azure', 'consent-url', '--help')).stdout).toContain('Examples:');
    expect((await run('discover', '--help')).stdout).toContain('--save');
  });
});

describe('clear errors', () => {
  it('a wrong secret: one line naming the app and the tenant, exit 1, no stack trace', async () => {
    env = { ...env, ACME_GRAPH_SECRET: 'not-the-secret' };
    const r = await run('plan', 'tenant.yaml');
    expectOneLineError(r, new RegExp(`^error: Entra ID rejected the client secret of app ${CLIENT_ID} in tenant ${TENANT_ID} \\(AADSTS7000215\\)$`));
    expect(r.stderr).not.toContain('not-the-secret');
  });

  it('a secret written in the file is refused before anything is read', async () => {
    editSource({ client_secret: 'literal-secret' });
    const r = await run('plan', 'tenant.yaml');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^tenant\.yaml:\d+:\d+: error: source\.client_secret is written in the file; it must come from the environment$/m);
    expect(em.log).toHaveLength(0);
  });

  it('missing admin consent prints the consent URL', async () => {
    em.directory.apps.get(CLIENT_ID)!.consent = 'missing-graph';
    const r = await run('plan', 'tenant.yaml');
    expectOneLineError(r, /^error: Microsoft Graph denied app .* \(Authorization_RequestDenied\)$/);
    expect(r.stderr).toContain(`${em.url}/${TENANT_ID}/adminconsent?client_id=${CLIENT_ID}`);
  });

  it('an unknown group', async () => {
    editSource({ groups: ['Phone Users'] });
    expectOneLineError(await run('plan', 'tenant.yaml'), /^error: group 'Phone Users' \(source\.groups\) does not exist in the directory$/);
  });

  it('the SIP domain not verified in the directory (a domain not under the ISP namespace)', async () => {
    em.directory.domains.find((d) => d.id === 'acme.com')!.isVerified = false;
    env = { ...env, PBXSYNC_ISP_CONFIG: writeTestIspConfig('no-namespace.yaml', testIspYaml('', [])) };
    expectOneLineError(await run('plan', 'tenant.yaml'), /^error: the tenant's SIP domain acme\.com is not a verified domain of the Entra ID directory .*$/);
  });

  it('Graph unreachable', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    editSource({ graph_endpoint: `https://127.0.0.1:${port}` });
    expectOneLineError(
      await run('plan', 'tenant.yaml'),
      new RegExp(`^error: cannot reach Microsoft Graph at https://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)$`),
    );
  });
});
