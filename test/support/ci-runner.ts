/**
 * A small runner for the CI examples' tests: runs the jobs of a GitHub Actions workflow or a
 * GitLab CI file the way the CI system would, as far as the examples need — each job in a fresh
 * copy of the repository ("checkout"), the steps' `run:` text (GitHub: the steps that call
 * examples/ci/scripts; GitLab: every `script:` line) with the environment the file gives them
 * (`${{ … }}` expressions looked up in the contexts the test passes; unknown ones fail the test),
 * $GITHUB_ENV and $GITHUB_OUTPUT honoured, and artifacts uploaded and downloaded through a folder.
 * Installing pbxsync and setting up Node are left out: the test puts pbxsync on PATH.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { parse } from 'yaml';

interface StepResult {
  readonly name: string;
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface JobResult {
  readonly workspace: string;
  readonly steps: StepResult[];
  readonly outputs: Record<string, string>;
  readonly ok: boolean;
}

type Contexts = Record<string, unknown>;

const STEP_TIMEOUT_MS = 180_000;

export function readYaml(path: string): Record<string, any> {
  return parse(readFileSync(path, 'utf8')) as Record<string, any>;
}

/** `${{ a.b.c }}` in `text`, looked up in `contexts`; anything else than a property path throws. */
function expand(text: string, contexts: Contexts): string {
  return text.replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_, expression: string) => {
    if (!/^[a-z_]+(\.[A-Za-z0-9_-]+)+$/.test(expression)) throw new Error(`unsupported expression ${expression}`);
    let value: unknown = contexts;
    for (const key of expression.split('.')) value = (value as Record<string, unknown> | undefined)?.[key];
    if (value === undefined) throw new Error(`no value for \${{ ${expression} }}`);
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
}

/** A fresh folder holding a copy of `repo`. */
function checkout(repo: string, into: string): string {
  mkdirSync(into, { recursive: true });
  const workspace = mkdtempSync(join(into, 'job-'));
  cpSync(repo, workspace, { recursive: true });
  return workspace;
}

/** Copies `paths` (files, folders, or globs like `tenants/**\/*.xlsx.age`) from `workspace` to `to`. */
function collect(workspace: string, paths: readonly string[], to: string): string[] {
  const copied: string[] = [];
  for (const pattern of paths) {
    const star = pattern.indexOf('*');
    const files =
      star < 0
        ? existsSync(join(workspace, pattern))
          ? [pattern.replace(/\/$/, '')]
          : []
        : walk(join(workspace, pattern.slice(0, pattern.indexOf('**'))))
            .map((f) => relative(workspace, f))
            .filter((f) => f.endsWith(pattern.slice(pattern.lastIndexOf('*') + 1)));
    for (const file of files) {
      mkdirSync(dirname(join(to, file)), { recursive: true });
      cpSync(join(workspace, file), join(to, file), { recursive: true });
      copied.push(file);
    }
  }
  return copied;
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true })
    .map((f) => join(dir, String(f)))
    .filter((f) => statSync(f).isFile());
}

/** Runs `script`; asynchronously, so that servers in the test's own process can answer it. */
function bash(script: string, cwd: string, env: NodeJS.ProcessEnv, flags: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [...flags, '-c', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: STEP_TIMEOUT_MS, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ status: code ?? -1, stdout, stderr: signal ? `${stderr}killed by ${signal}` : stderr }));
  });
}

function keyValues(file: string): Record<string, string> {
  if (!existsSync(file)) return {};
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

function evaluated(map: Record<string, unknown> | undefined, contexts: Contexts): Record<string, string> {
  return Object.fromEntries(Object.entries(map ?? {}).map(([k, v]) => [k, expand(String(v), contexts)]));
}

/** Whether a step runs, after an earlier failure or not: the few conditions the examples use. */
function shouldRun(condition: unknown, failed: boolean, contexts: Contexts): boolean {
  if (condition === undefined) return !failed;
  const text = (typeof condition === 'string' ? condition : JSON.stringify(condition)).replace(/^\$\{\{\s*|\s*\}\}$/g, '');
  if (text === '!cancelled()' || text === 'always()') return true;
  const m = /^steps\.([a-z_-]+)\.outcome == 'success'$/.exec(text);
  if (m) return (contexts.steps as Record<string, { outcome: string }>)[m[1]!]?.outcome === 'success';
  throw new Error(`unsupported if: ${text}`);
}

export interface GithubJobOptions {
  readonly repo: string;
  readonly scratch: string;
  readonly artifacts: string;
  /** secrets, vars, github, matrix, needs, …: what `${{ }}` may name (runner.temp is added). */
  readonly contexts: Contexts;
  /** The machine's environment (PATH with pbxsync and gh, HOME). */
  readonly env: NodeJS.ProcessEnv;
  /** Values that win over the workflow's and job's `env:` (not a step's): e.g. one tenant file instead of a folder. */
  readonly override?: Record<string, string>;
}

/** Runs job `jobId` of the workflow at `file`. */
export async function runGithubJob(file: string, jobId: string, options: GithubJobOptions): Promise<JobResult> {
  const workflow = readYaml(file);
  const job = workflow.jobs[jobId];
  if (!job) throw new Error(`${file} has no job ${jobId}`);
  const workspace = checkout(options.repo, options.scratch);
  const temp = mkdtempSync(join(options.scratch, 'runner-temp-'));
  const steps: Record<string, { outcome: string; outputs: Record<string, string> }> = {};
  const contexts: Contexts = { ...options.contexts, runner: { temp }, steps };
  const files = { GITHUB_ENV: join(temp, 'env'), GITHUB_OUTPUT: join(temp, 'output'), GITHUB_STEP_SUMMARY: join(temp, 'summary') };
  let jobEnv: Record<string, string> = { ...evaluated(workflow.env, contexts), ...evaluated(job.env, contexts) };
  const results: StepResult[] = [];
  let failed = false;
  for (const [i, step] of (job.steps as Record<string, any>[]).entries()) {
    const name = String(step.name ?? step.uses ?? `step ${i}`);
    if (!shouldRun(step.if, failed, contexts)) continue;
    let result: StepResult;
    if (typeof step.uses === 'string' && step.uses.startsWith('actions/upload-artifact@')) {
      const to = join(options.artifacts, expand(step.with.name, contexts));
      const copied = collect(
        workspace,
        String(step.with.path)
          .split('\n')
          .map((p) => p.trim())
          .filter(Boolean),
        to,
      );
      result = { name, status: copied.length === 0 && step.with['if-no-files-found'] === 'error' ? 1 : 0, stdout: copied.join('\n'), stderr: '' };
    } else if (typeof step.uses === 'string' && step.uses.startsWith('actions/download-artifact@')) {
      const from = join(options.artifacts, expand(step.with.name, contexts));
      if (existsSync(from)) cpSync(from, join(workspace, step.with.path ?? '.'), { recursive: true });
      result = { name, status: existsSync(from) ? 0 : 1, stdout: '', stderr: existsSync(from) ? '' : `no artifact ${from}` };
    } else if (typeof step.run === 'string' && step.run.includes('examples/ci/scripts/')) {
      writeFileSync(files.GITHUB_OUTPUT, '');
      const env = {
        ...options.env,
        CI: 'true',
        GITHUB_ACTIONS: 'true',
        RUNNER_TEMP: temp,
        ...files,
        ...githubVariables(contexts),
        ...jobEnv,
        ...options.override,
        ...evaluated(step.env, contexts),
      };
      const r = await bash(step.run, workspace, env, ['-e']);
      result = { name, ...r };
      if (step.id) steps[step.id] = { outcome: r.status === 0 ? 'success' : 'failure', outputs: keyValues(files.GITHUB_OUTPUT) };
      jobEnv = { ...jobEnv, ...keyValues(files.GITHUB_ENV) };
    } else {
      continue; // checkout (done), setup-node, installing pbxsync (on PATH), git fetch of the PR's tenant files (in the copy)
    }
    if (step.id && !steps[step.id]) steps[step.id] = { outcome: result.status === 0 ? 'success' : 'failure', outputs: {} };
    results.push(result);
    if (result.status !== 0) failed = true;
  }
  return { workspace, steps: results, outputs: evaluated(job.outputs, contexts), ok: !failed };
}

function githubVariables(contexts: Contexts): Record<string, string> {
  const github = contexts.github as Record<string, string>;
  return {
    GITHUB_EVENT_NAME: github.event_name ?? 'push',
    GITHUB_REPOSITORY: github.repository!,
    GITHUB_SHA: github.sha!,
    GITHUB_SERVER_URL: github.server_url!,
    GITHUB_RUN_ID: String(github.run_id),
  };
}

export interface GitlabJobOptions {
  readonly repo: string;
  readonly scratch: string;
  /** Artifacts of earlier jobs, by job name, as folders. */
  readonly artifacts: string;
  /** Jobs whose artifacts this job gets. */
  readonly from: readonly string[];
  /** Predefined variables (CI_*) and the project's CI/CD variables. */
  readonly variables: Record<string, string>;
  readonly env: NodeJS.ProcessEnv;
  /** Values that win over the file's global `variables:` (not a job's own). */
  readonly override?: Record<string, string>;
}

/** Runs job `name` of the parsed GitLab configuration `config` (a `.gitlab-ci.yml` or a child pipeline). */
export async function runGitlabJob(config: Record<string, any>, name: string, options: GitlabJobOptions): Promise<JobResult> {
  const job = config[name];
  if (!job) throw new Error(`no job ${name}`);
  const workspace = checkout(options.repo, options.scratch);
  for (const from of options.from) cpSync(join(options.artifacts, from), workspace, { recursive: true });
  let env: Record<string, string> = { ...(options.env as Record<string, string>), CI: 'true', GITLAB_CI: 'true', ...options.variables };
  for (const scope of [config.variables, options.override, job.variables]) {
    for (const [k, v] of Object.entries((scope ?? {}) as Record<string, string>)) env = { ...env, [k]: expandDollar(String(v), env) };
  }
  const r = await bash((job.script as string[]).join('\n'), workspace, env, ['-eo', 'pipefail']);
  if (r.status === 0 && job.artifacts?.paths) collect(workspace, job.artifacts.paths as string[], join(options.artifacts, name));
  return { workspace, steps: [{ name, ...r }], outputs: {}, ok: r.status === 0 };
}

function expandDollar(text: string, env: Record<string, string>): string {
  return text.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, v: string) => env[v] ?? '');
}
