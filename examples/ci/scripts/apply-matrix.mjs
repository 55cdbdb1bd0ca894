#!/usr/bin/env node
// Lists the tenants whose saved plan in $PLANS has changes, each with its tenant file found in
// $TENANTS (by its `tenant:` line) and its plan, so that each is applied in its own job under a
// per-tenant concurrency group (GitHub) or resource group (GitLab).
//   GitHub: writes `matrix={"include":[{tenant,file,plan},…]}` and `any=true|false` to $GITHUB_OUTPUT.
//   GitLab: with $CHILD_PIPELINE set, writes that child pipeline (JSON is YAML): one manual
//   `apply:TENANT` job per tenant, from the template job in $APPLY_TEMPLATE (a file, JSON).
import { appendFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const TENANTS = process.env.TENANTS || 'tenants/';
const PLANS = process.env.PLANS || 'plans/';

function files(path, match) {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { recursive: true })
    .map(String)
    .filter((f) => match.test(f))
    .map((f) => join(path, f));
}

const tenantFiles = new Map();
for (const file of files(TENANTS, /\.ya?ml$/)) {
  const name = /^tenant:\s*["']?([a-z0-9][a-z0-9_-]*)/m.exec(readFileSync(file, 'utf8'))?.[1];
  if (name) tenantFiles.set(name, file);
}
const include = [];
for (const plan of files(PLANS, /\.plan\.json$/)) {
  const doc = JSON.parse(readFileSync(plan, 'utf8'));
  if (doc.format !== 'pbxsync-plan' || !Array.isArray(doc.changes) || doc.changes.length === 0) continue;
  const file = tenantFiles.get(doc.tenant);
  if (!file) throw new Error(`${plan}: no tenant file in ${TENANTS} says tenant: ${doc.tenant}`);
  include.push({ tenant: doc.tenant, file, plan });
}
include.sort((a, b) => (a.tenant < b.tenant ? -1 : 1));
console.error(include.length ? `to apply: ${include.map((t) => t.tenant).join(', ')}` : 'nothing to apply');

if (process.env.GITHUB_OUTPUT) appendFileSync(process.env.GITHUB_OUTPUT, `matrix=${JSON.stringify({ include })}\nany=${include.length > 0}\n`);
if (process.env.CHILD_PIPELINE) {
  const template = JSON.parse(readFileSync(process.env.APPLY_TEMPLATE, 'utf8'));
  const jobs = Object.fromEntries(
    include.map((t) => [
      `apply:${t.tenant}`,
      { ...template, resource_group: `pbxsync-${t.tenant}`, variables: { ...template.variables, TENANTS: t.file, PLANS: t.plan } },
    ]),
  );
  const nothing = { 'no-changes': { image: template.image, script: ['echo "no tenant has changes"'] } };
  writeFileSync(process.env.CHILD_PIPELINE, `${JSON.stringify(include.length ? jobs : nothing, null, 2)}\n`);
}
