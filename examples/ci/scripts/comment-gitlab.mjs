#!/usr/bin/env node
// Posts $COMMENT as a note on merge request $CI_MERGE_REQUEST_IID of project $CI_PROJECT_ID, or
// edits the note an earlier run posted (the one by the token's own user that starts with the
// marker line): one note per merge request, kept up to date. GITLAB_API_TOKEN: a project access
// token with the `api` scope (CI_JOB_TOKEN cannot write notes), kept as a masked CI/CD variable.
import { readFileSync } from 'node:fs';

const MARKER = '<!-- pbxsync-plan -->';
const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const api = `${env('CI_API_V4_URL')}/projects/${encodeURIComponent(env('CI_PROJECT_ID'))}`;
const notes = `${api}/merge_requests/${env('CI_MERGE_REQUEST_IID')}/notes`;
const headers = { 'PRIVATE-TOKEN': env('GITLAB_API_TOKEN'), 'content-type': 'application/json' };
const body = readFileSync(process.env.COMMENT || 'pbxsync-comment.md', 'utf8');

async function call(method, url, payload) {
  const response = await fetch(url, { method, headers, ...(payload ? { body: JSON.stringify(payload) } : {}), signal: AbortSignal.timeout(30_000) });
  if (!response.ok) throw new Error(`${method} ${url.replace(/\?.*/, '')}: HTTP ${response.status}`);
  return { json: await response.json(), next: response.headers.get('x-next-page') };
}

const me = (await call('GET', `${env('CI_API_V4_URL')}/user`)).json.id;
let previous;
for (let page = '1'; page && previous === undefined;) {
  const { json, next } = await call('GET', `${notes}?per_page=100&sort=asc&order_by=created_at&page=${page}`);
  previous = json.find((note) => note.author?.id === me && typeof note.body === 'string' && note.body.startsWith(MARKER));
  page = next;
}
if (previous) await call('PUT', `${notes}/${previous.id}`, { body });
else await call('POST', notes, { body });
console.log(`${previous ? 'updated' : 'posted'} the plan note on !${env('CI_MERGE_REQUEST_IID')}`);
