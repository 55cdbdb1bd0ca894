#!/usr/bin/env node
// On main: puts into $PLANS (and $COMMENT) the saved plans of the merge request merged as
// $CI_COMMIT_SHA — the artifacts of the `pbxsync:plan` job of its last successful pipeline for
// the reviewed commit — so that the apply applies what was reviewed. Fails, and the job then
// plans afresh with plan.sh, when there are none (a push that was no merge request, expired
// artifacts, a tenant file without a saved plan) or when the pipeline was started by hand.
// Either way apply.sh refuses a saved plan that no longer fits the PBX or the tenant files.
// GITLAB_API_TOKEN: the project access token of comment-gitlab.mjs (read_api is enough here).
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const TENANTS = process.env.TENANTS || 'tenants/';
const PLANS = process.env.PLANS || 'plans/';
const COMMENT = process.env.COMMENT || 'pbxsync-comment.md';
const PLAN_JOB = process.env.PLAN_JOB || 'pbxsync:plan';
const api = `${env('CI_API_V4_URL')}/projects/${encodeURIComponent(env('CI_PROJECT_ID'))}`;
const headers = { 'PRIVATE-TOKEN': env('GITLAB_API_TOKEN') };

async function get(path) {
  const response = await fetch(`${api}${path}`, { headers, signal: AbortSignal.timeout(30_000) });
  if (!response.ok) throw new Error(`GET ${path.replace(/\?.*/, '')}: HTTP ${response.status}`);
  return response;
}
function stop(message) {
  console.error(`${message}: planning afresh`);
  process.exit(1);
}

if (['web', 'api', 'schedule'].includes(process.env.CI_PIPELINE_SOURCE ?? '')) stop('pipeline started by hand or on a schedule');
const mrs = await (await get(`/repository/commits/${env('CI_COMMIT_SHA')}/merge_requests`)).json();
const mr = mrs.find((m) => m.state === 'merged' && m.target_branch === env('CI_DEFAULT_BRANCH'));
if (!mr) stop(`no merge request was merged as ${env('CI_COMMIT_SHA')}`);
const pipelines = await (await get(`/merge_requests/${mr.iid}/pipelines`)).json();
const pipeline = pipelines.find((p) => p.sha === mr.sha && p.status === 'success');
if (!pipeline) stop(`no successful pipeline of !${mr.iid} for ${mr.sha}`);
const jobs = await (await get(`/pipelines/${pipeline.id}/jobs?scope[]=success&per_page=100`)).json();
const job = jobs.find((j) => j.name === PLAN_JOB);
if (!job) stop(`pipeline ${pipeline.id} has no successful ${PLAN_JOB} job`);

const folder = !PLANS.endsWith('.json');
const tenantFiles = statSync(TENANTS).isDirectory()
  ? readdirSync(TENANTS)
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f) => join(TENANTS, f))
  : [TENANTS];
const wanted = tenantFiles.map((file) => {
  const tenant = /^tenant:\s*["']?([a-z0-9][a-z0-9_-]*)/m.exec(readFileSync(file, 'utf8'))?.[1];
  if (!tenant) stop(`${file} names no tenant`);
  return folder ? join(PLANS, `${tenant}.plan.json`) : PLANS;
});
for (const path of [...wanted, COMMENT]) {
  const response = await fetch(`${api}/jobs/${job.id}/artifacts/${path.split('/').map(encodeURIComponent).join('/')}`, {
    headers,
    signal: AbortSignal.timeout(30_000),
  });
  if (!response.ok) stop(`job ${job.id} of !${mr.iid} has no ${path} (HTTP ${response.status})`);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, Buffer.from(await response.arrayBuffer()), { mode: 0o600 });
}
console.error(`saved plans of !${mr.iid} (job ${job.id}, commit ${mr.sha}) in ${PLANS}`);
