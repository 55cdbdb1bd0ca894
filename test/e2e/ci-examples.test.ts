/**
 * The CI examples (examples/ci/): the workflow files pass the GitHub Actions and GitLab CI
 * schemas, and the jobs' own commands, read from those files, run in order against a real
 * SQLite PBX (state on PostgreSQL when the tests have one): plan on a pull request (one
 * comment, edited by the next run) → apply on merge from the saved plan (its spreadsheet only
 * as an age file) → the same saved plan refused once stale → plan again: no changes.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readYaml, runGithubJob, runGitlabJob, type JobResult } from '../support/ci-runner.js';
import { pbxsync, ROOT } from '../support/cli.js';
import { testIspYaml } from '../support/isp.js';
import { createDatabase, dropDatabases, PG_URL } from '../support/postgres.js';
import { rowStrings } from '../support/sheet-cells.js';
import { tempDir } from '../support/tmp.js';

const require = createRequire(import.meta.url);
const { validateWorkflow } = require('@action-validator/core') as typeof import('@action-validator/core');
const GITLAB_SCHEMA = require('gitlab-ci-local/src/schema/schema.json') as object;

const CI = join(ROOT, 'examples', 'ci');
const GITHUB = join(CI, 'github-actions');
const GITLAB_FILE = join(CI, 'gitlab', '.gitlab-ci.yml');
const TOOLS = spawnSync('age', ['--version']).status === 0 && spawnSync('jq', ['--version']).status === 0;
// `plan DIR` (a folder of tenant files) may not be there yet: then the jobs run on the one tenant file.
const FOLDER_FORM = pbxsync(['plan', '--help'], { cwd: ROOT }).stdout.includes('--parallel');
const ONE_TENANT = FOLDER_FORM ? undefined : { TENANTS: 'tenants/acme.yaml', PLANS: 'plans/acme.plan.json' };

/** The tests' ISP configuration, requiring encrypted spreadsheets as a CI setup would. */
const CI_ISP = testIspYaml('files:\n  require_encrypted_spreadsheet: true');

function gitlabValidator() {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);
  return ajv.compile(GITLAB_SCHEMA);
}

describe('the workflow files', () => {
  const workflows = readdirSync(GITHUB).filter((f) => f.endsWith('.yml'));

  it.each(workflows)('%s passes the GitHub Actions workflow schema (action-validator)', (file) => {
    const text = readFileSync(join(GITHUB, file), 'utf8');
    expect(validateWorkflow(text).errors).toEqual([]);
    expect(validateWorkflow(text.replace('runs-on:', 'runs_on:')).errors.length).toBeGreaterThan(0); // the validator bites
  });

  it('call exactly the scripts in examples/ci/scripts, which shellcheck finds nothing in', () => {
    const scripts = readdirSync(join(CI, 'scripts')).sort();
    const texts = [...workflows.map((f) => join(GITHUB, f)), GITLAB_FILE, join(CI, 'gitlab', 'apply-job.json')].map((f) => readFileSync(f, 'utf8'));
    const called = new Set(texts.flatMap((t) => [...t.matchAll(/examples\/ci\/scripts\/([\w.-]+)/g)].map((m) => m[1]!)));
    called.add('plan.sh'); // also called by fetch-pr-plans.sh
    expect([...called].sort()).toEqual(scripts);
    for (const script of scripts) expect(statSync(join(CI, 'scripts', script)).mode & 0o111, script).not.toBe(0);
    const check = spawnSync(
      'shellcheck',
      scripts.filter((f) => f.endsWith('.sh')).map((f) => join(CI, 'scripts', f)),
      { encoding: 'utf8' },
    );
    if (check.error === undefined) expect(check.status, check.stdout).toBe(0);
  });

  it('.gitlab-ci.yml passes the GitLab CI schema (ajv) and gitlab-ci-local', () => {
    const validate = gitlabValidator();
    const text = readFileSync(GITLAB_FILE, 'utf8');
    expect(validate(parse(text)), JSON.stringify(validate.errors)).toBe(true);
    expect(validate(parse(text.replace('resource_group:', 'resource_groups:')))).toBe(false);

    const repo = tempDir('gitlab-ci-local-');
    writeFileSync(join(repo, '.gitlab-ci.yml'), text);
    const git = (...args: string[]) => spawnSync('git', ['-c', 'user.email=ci@example.net', '-c', 'user.name=ci', ...args], { cwd: repo, encoding: 'utf8' });
    git('init', '-q');
    git('remote', 'add', 'origin', 'https://gitlab.example.net/isp/tenants.git');
    git('add', '-A');
    git('commit', '-qm', 'ci');
    const bin = join(ROOT, 'node_modules', '.bin', 'gitlab-ci-local');
    const r = spawnSync(bin, ['--list'], { cwd: repo, encoding: 'utf8', timeout: 120_000, env: { PATH: process.env.PATH, HOME: repo } });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toContain('json schema validated');
  });
});

/** A tenant repository: the CI examples and tenants/acme.yaml, on its own SQLite PBX and state. */
async function tenantRepo(recipient: string): Promise<{ repo: string; secrets: Record<string, string>; masterKey: string }> {
  const base = tempDir('repo-');
  const repo = join(base, 'repo');
  mkdirSync(join(repo, 'tenants'), { recursive: true });
  cpSync(CI, join(repo, 'examples', 'ci'), { recursive: true });
  cpSync(join(ROOT, 'examples', 'acme', 'directory.json'), join(repo, 'tenants', 'acme.directory.json'));
  const pbx = join(base, 'pbx.sqlite');
  expect(pbxsync(['pbx', 'init', `sqlite:${pbx}`], { cwd: base }).status).toBe(0);
  let stateUrl = 'file:acme.pbxsync-state.json';
  let statePassword = 'unused';
  if (PG_URL) {
    const url = new URL(await createDatabase());
    statePassword = decodeURIComponent(url.password);
    stateUrl = `postgres://${url.username}:\${STATE_DB_PASSWORD}@${url.host}${url.pathname}`;
  }
  const text = readFileSync(join(ROOT, 'examples', 'acme', 'tenant.yaml'), 'utf8')
    .replace('path: directory.json', 'path: acme.directory.json')
    .replace(/url: sqlite:pbx\.sqlite.*/, `url: "sqlite:${pbx}"`)
    .replace(/url: file:acme\.pbxsync-state\.json.*/, `url: "${stateUrl}"`)
    .replace('  path: acme-credentials.xlsx', `  path: acme-credentials.xlsx\n  encrypt_to: [${recipient}]`);
  writeFileSync(join(repo, 'tenants', 'acme.yaml'), text);
  const secrets = {
    PBXSYNC_MASTER_KEY: randomBytes(32).toString('base64'),
    PBXSYNC_ISP_CONFIG_YAML: CI_ISP,
    PBX_DB_PASSWORD: 'unused-pbx-password',
    STATE_DB_PASSWORD: statePassword,
    ENTRA_CLIENT_SECRET: 'unused-entra-secret',
  };
  return { repo, secrets, masterKey: secrets.PBXSYNC_MASTER_KEY };
}

/** PATH with pbxsync (the built CLI) and the fake gh first. */
function machine(): NodeJS.ProcessEnv {
  const bin = tempDir('bin-');
  writeFileSync(join(bin, 'pbxsync'), `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'bin', 'pbxsync.js')}" "$@"\n`);
  writeFileSync(join(bin, 'gh'), `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'test', 'support', 'fake-gh.mjs')}" "$@"\n`);
  chmodSync(join(bin, 'pbxsync'), 0o755);
  chmodSync(join(bin, 'gh'), 0o755);
  return { PATH: `${bin}:${process.env.PATH}`, HOME: bin, LANG: 'C.UTF-8' };
}

function keypair(dir: string): { identity: string; recipient: string } {
  const identity = join(dir, 'customer.key');
  const r = spawnSync('age-keygen', ['-o', identity], { encoding: 'utf8' });
  return { identity, recipient: /age1[0-9a-z]+/.exec(r.stderr)![0] };
}

function log(job: JobResult): string {
  return job.steps.map((s) => `--- ${s.name} (exit ${s.status})\n${s.stdout}${s.stderr}`).join('\n');
}

async function expectSpreadsheetOpens(sealed: string, identity: string): Promise<void> {
  const out = join(tempDir('opened-'), 'credentials.xlsx');
  const d = spawnSync('age', ['-d', '-i', identity, '-o', out, sealed], { encoding: 'utf8' });
  expect(d.status, d.stderr).toBe(0);
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(out);
  const sheet = workbook.getWorksheet('Subscribers')!;
  expect(rowStrings(sheet.getRow(1))[6]).toBe('SIP password');
  expect(sheet.rowCount).toBeGreaterThan(10);
}

/** No file under `dir` is a plaintext xlsx (a zip), and none holds `secret`. */
function expectNothingLeaks(dir: string, secret: string): void {
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const data = readFileSync(join(entry.parentPath, entry.name));
    expect(data.subarray(0, 2).toString('latin1'), join(entry.parentPath, entry.name)).not.toBe('PK');
    expect(data.includes(secret), join(entry.parentPath, entry.name)).toBe(false);
  }
}

afterAll(async () => {
  if (PG_URL) await dropDatabases();
});

describe.skipIf(!TOOLS)('the GitHub Actions jobs, run in order', () => {
  it('plan with one sticky comment → apply from the saved plan → refused when stale → no changes', async () => {
    const env = machine();
    const keys = keypair(tempDir('customer-'));
    const { repo, secrets, masterKey } = await tenantRepo(keys.recipient);
    const scratch = tempDir('jobs-');
    const artifacts = tempDir('artifacts-');
    const HEAD = 'a'.repeat(40);
    const MAIN = 'b'.repeat(40);
    const ghState = join(scratch, 'gh.json');
    writeFileSync(
      ghState,
      JSON.stringify({
        calls: [],
        comments: [{ id: 1, issue: 7, user: { login: 'someone' }, body: '<!-- pbxsync-plan --> planted by a contributor' }],
        nextId: 100,
        artifacts,
        pulls: { [MAIN]: [{ number: 7, merged_at: '2026-12-01T00:00:00Z', base: { ref: 'main' }, head: { sha: HEAD } }] },
        runs: [{ databaseId: 5001, workflow: 'pbxsync-plan.yml', headSha: HEAD, status: 'success', artifacts: [`pbxsync-plans-${HEAD}`] }],
      }),
    );
    const gh = () => JSON.parse(readFileSync(ghState, 'utf8')) as { comments: { id: number; user: { login: string }; body: string }[]; calls: string[][] };
    const github = (sha: string) => ({
      repository: 'isp/tenants',
      sha,
      server_url: 'https://github.example',
      run_id: 5001,
      token: 'ghs_fake',
      event: { pull_request: { number: 7, head: { sha: HEAD } } },
    });
    const common = { repo, scratch, artifacts, env: { ...env, FAKE_GH_STATE: ghState }, ...(ONE_TENANT ? { override: ONE_TENANT } : {}) };
    const contexts = (sha: string, extra: Record<string, unknown> = {}) => ({ secrets, vars: { PBXSYNC_PACKAGE: 'pbxsync' }, github: github(sha), ...extra });
    const planWorkflow = join(GITHUB, 'pbxsync-plan.yml');
    const applyWorkflow = join(GITHUB, 'pbxsync-apply.yml');
    const jobs: JobResult[] = [];
    const run = async (file: string, job: string, ctx: Record<string, unknown>) => {
      const result = await runGithubJob(file, job, { ...common, contexts: ctx });
      jobs.push(result);
      return result;
    };

    // Pull request: the plan, posted as a comment, and the saved plans kept as the run's artifact.
    const plan = await run(planWorkflow, 'plan', contexts(HEAD));
    expect(plan.ok, log(plan)).toBe(true);
    let comments = gh().comments.filter((c) => c.user.login === 'github-actions[bot]');
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toMatch(/^<!-- pbxsync-plan -->\n/);
    expect(comments[0]!.body).toMatch(/[1-9]\d* to create/);
    expect(comments[0]!.body).toContain('acme');
    expect(comments[0]!.body).toContain(`by [this run](https://github.example/isp/tenants/actions/runs/5001)`);
    expect(existsSync(join(artifacts, `pbxsync-plans-${HEAD}`, 'pbxsync-comment.md'))).toBe(true);

    // A new push: the same comment is edited, not a second one posted; the planted one is left alone.
    const again = await run(planWorkflow, 'plan', contexts(HEAD));
    expect(again.ok, log(again)).toBe(true);
    comments = gh().comments;
    expect(comments.map((c) => c.id)).toEqual([1, 100]);
    expect(comments[0]!.body).toContain('planted');
    expect(gh().calls.filter((c) => c.includes('PATCH'))).toHaveLength(1);

    // Merge: the pull request's saved plans, one apply job per tenant with changes.
    const plans = await run(applyWorkflow, 'plans', contexts(MAIN));
    expect(plans.ok, log(plans)).toBe(true);
    expect(plans.outputs.any).toBe('true');
    const matrix = JSON.parse(plans.outputs.matrix ?? '') as { include: { tenant: string; file: string; plan: string }[] };
    expect(matrix.include.map((m) => [m.tenant, m.file])).toEqual([['acme', 'tenants/acme.yaml']]);
    const needs = { plans: { outputs: plans.outputs } };
    const apply = await run(applyWorkflow, 'apply', contexts(MAIN, { matrix: matrix.include[0], needs }));
    expect(apply.ok, log(apply)).toBe(true);
    const sealed = join(artifacts, `pbxsync-spreadsheet-acme-${MAIN}`, 'tenants', 'acme-credentials.xlsx.age');
    await expectSpreadsheetOpens(sealed, keys.identity);
    expect(readdirSync(join(apply.workspace, 'tenants')).filter((f) => f.endsWith('.xlsx'))).toEqual([]);

    // The same saved plan again: the PBX has changed since, so it is refused and nothing is written.
    const stale = await run(applyWorkflow, 'apply', contexts(MAIN, { matrix: matrix.include[0], needs }));
    expect(stale.ok).toBe(false);
    expect(log(stale)).toMatch(/saved plan/i);

    // Planning again: no changes; run by hand, the apply workflow plans afresh (not the stale plan), with nothing to apply.
    const after = await run(planWorkflow, 'plan', contexts(HEAD));
    expect(after.ok, log(after)).toBe(true);
    expect(gh().comments[1]!.body).toMatch(/^<!-- pbxsync-plan -->\n[^]*no changes/i);
    expect(gh().comments[1]!.body).not.toMatch(/[1-9]\d* to create/);
    const fresh = await run(applyWorkflow, 'plans', contexts(MAIN, { github: { ...github(MAIN), event_name: 'workflow_dispatch' } }));
    expect(fresh.ok, log(fresh)).toBe(true);
    expect(log(fresh)).toContain('planning afresh');
    expect(fresh.outputs.any).toBe('false');

    // A pull request that drops the encryption: the plan fails, and the comment says why.
    const tenantFile = join(repo, 'tenants', 'acme.yaml');
    writeFileSync(tenantFile, readFileSync(tenantFile, 'utf8').replace(/\n {2}encrypt_to: \[.*\]/, ''));
    const refused = await run(planWorkflow, 'plan', contexts(HEAD));
    expect(refused.ok).toBe(false);
    expect(gh().comments[1]!.body).toMatch(/^<!-- pbxsync-plan -->\n### pbxsync plan failed \(exit 1\)\n/);
    expect(gh().comments[1]!.body).toContain('requires an encrypted spreadsheet');
    expect(gh().comments).toHaveLength(2);

    for (const job of jobs) expect(log(job)).not.toContain(masterKey);
    expectNothingLeaks(artifacts, masterKey);
  });
});

describe.skipIf(!TOOLS)('the GitLab CI jobs, run in order', () => {
  let server: Server;
  let api = '';
  const notes: { id: number; author: { id: number }; body: string }[] = [];
  const MR_SHA = 'd'.repeat(40);
  const MAIN_SHA = 'e'.repeat(40);
  let gitlabArtifacts = '';
  const requests: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        requests.push(`${req.method} ${req.url}`);
        const send = (value: unknown) => res.writeHead(200, { 'content-type': 'application/json', 'x-next-page': '' }).end(JSON.stringify(value));
        if (req.headers['private-token'] !== 'glpat-fake') return res.writeHead(401).end('{}');
        const path = req.url!.replace(/\?.*/, '');
        const m = /\/notes\/(\d+)$/.exec(path);
        if (req.method === 'GET' && path === '/api/v4/user') return send({ id: 42 });
        if (req.method === 'GET' && path === `/api/v4/projects/12/repository/commits/${MAIN_SHA}/merge_requests`)
          return send([{ iid: 3, sha: MR_SHA, state: 'merged', target_branch: 'main' }]);
        if (req.method === 'GET' && path === '/api/v4/projects/12/merge_requests/3/pipelines') return send([{ id: 900, sha: MR_SHA, status: 'success' }]);
        if (req.method === 'GET' && path === '/api/v4/projects/12/pipelines/900/jobs') return send([{ id: 901, name: 'pbxsync:plan' }]);
        const artifact = /^\/api\/v4\/projects\/12\/jobs\/901\/artifacts\/(.+)$/.exec(path);
        if (req.method === 'GET' && artifact) {
          const file = join(gitlabArtifacts, 'pbxsync:plan', ...artifact[1]!.split('/').map(decodeURIComponent));
          return existsSync(file) ? res.writeHead(200).end(readFileSync(file)) : res.writeHead(404).end('{}');
        }
        if (req.method === 'GET' && path.endsWith('/notes')) return send(notes);
        if (req.method === 'POST' && path.endsWith('/notes'))
          return send(notes[notes.push({ id: 200 + notes.length, author: { id: 42 }, body: JSON.parse(body).body }) - 1]);
        if (req.method === 'PUT' && m) {
          const note = notes.find((n) => n.id === Number(m[1]));
          if (!note) return res.writeHead(404).end('{}');
          note.body = JSON.parse(body).body;
          return send(note);
        }
        res.writeHead(404).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    api = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/api/v4`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('plan with one note → child pipeline of per-tenant apply jobs from the saved plan → no changes', async () => {
    const env = machine();
    const keys = keypair(tempDir('customer-'));
    const { repo, secrets, masterKey } = await tenantRepo(keys.recipient);
    const scratch = tempDir('jobs-');
    const artifacts = tempDir('artifacts-');
    gitlabArtifacts = artifacts;
    const ispFile = join(scratch, 'isp.yaml');
    writeFileSync(ispFile, CI_ISP, { mode: 0o600 });
    const { PBXSYNC_ISP_CONFIG_YAML: _isp, ...projectVariables } = secrets;
    const variables = {
      ...projectVariables,
      PBXSYNC_ISP_CONFIG: ispFile, // a variable of type File: its value is the file's path
      GITLAB_API_TOKEN: 'glpat-fake',
      PBXSYNC_PACKAGE: 'pbxsync',
      CI_API_V4_URL: api,
      CI_PROJECT_ID: '12',
      CI_MERGE_REQUEST_IID: '3',
      CI_PIPELINE_ID: '900',
      CI_JOB_URL: 'https://gitlab.example.net/isp/tenants/-/jobs/901',
      CI_COMMIT_SHA: MR_SHA,
      CI_DEFAULT_BRANCH: 'main',
      CI_PIPELINE_SOURCE: 'merge_request_event',
    };
    const onMain = { ...variables, CI_COMMIT_SHA: MAIN_SHA, CI_PIPELINE_SOURCE: 'push' };
    const config = readYaml(GITLAB_FILE);
    const common = { repo, scratch, artifacts, variables, env, ...(ONE_TENANT ? { override: ONE_TENANT } : {}) };
    const jobs: JobResult[] = [];
    const run = async (cfg: Record<string, any>, name: string, from: string[] = [], vars = variables) => {
      const result = await runGitlabJob(cfg, name, { ...common, from, variables: vars });
      jobs.push(result);
      return result;
    };

    const plan = await run(config, 'pbxsync:plan');
    expect(plan.ok, log(plan)).toBe(true);
    expect(notes).toHaveLength(1);
    expect(notes[0]!.body).toMatch(/^<!-- pbxsync-plan -->\n[^]*[1-9]\d* to create/);
    expect((await run(config, 'pbxsync:plan')).ok).toBe(true);
    expect(notes).toHaveLength(1);
    expect(requests.filter((r) => r.startsWith('PUT '))).toHaveLength(1);

    const planMain = await run(config, 'pbxsync:plan-main', [], onMain);
    expect(planMain.ok, log(planMain)).toBe(true);
    expect(log(planMain)).toContain('saved plans of !3 (job 901');
    const childText = readFileSync(join(artifacts, 'pbxsync:plan-main', 'apply-pipeline.json'), 'utf8');
    const validate = gitlabValidator();
    const child = parse(childText) as Record<string, any>;
    expect(validate(child), JSON.stringify(validate.errors)).toBe(true);
    expect(child['apply:acme']).toMatchObject({ when: 'manual', resource_group: 'pbxsync-acme', environment: { name: 'pbx-production' } });

    const apply = await run(child, 'apply:acme', ['pbxsync:plan-main'], onMain);
    expect(apply.ok, log(apply)).toBe(true);
    await expectSpreadsheetOpens(join(artifacts, 'apply:acme', 'tenants', 'acme-credentials.xlsx.age'), keys.identity);

    expect((await run(config, 'pbxsync:plan')).ok).toBe(true);
    expect(notes).toHaveLength(1);
    expect(notes[0]!.body).toMatch(/^<!-- pbxsync-plan -->\n[^]*no changes/i);
    expect(notes[0]!.body).not.toMatch(/[1-9]\d* to create/);

    // The same saved plan again is refused; a pipeline run by hand plans afresh: nothing to apply.
    expect((await run(child, 'apply:acme', ['pbxsync:plan-main'], onMain)).ok).toBe(false);
    const byHand = await run(config, 'pbxsync:plan-main', [], { ...onMain, CI_PIPELINE_SOURCE: 'web' });
    expect(byHand.ok, log(byHand)).toBe(true);
    expect(log(byHand)).toContain('planning afresh');
    expect(Object.keys(parse(readFileSync(join(artifacts, 'pbxsync:plan-main', 'apply-pipeline.json'), 'utf8')) as object)).toEqual(['no-changes']);

    for (const job of jobs) expect(log(job)).not.toContain(masterKey);
    expectNothingLeaks(artifacts, masterKey);
  });
});
