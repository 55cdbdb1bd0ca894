#!/usr/bin/env node
// A stand-in for the GitHub CLI in the CI examples' tests: the few `gh api` and `gh run` calls
// the scripts make, against a JSON state file ($FAKE_GH_STATE) the test sets up and reads back.
// `--jq` is evaluated by the real jq (`jq -r`, as gh prints strings raw), so the scripts' jq
// expressions are what is tested. Every call is recorded in state.calls.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const stateFile = process.env.FAKE_GH_STATE;
const state = JSON.parse(readFileSync(stateFile, 'utf8'));
const args = process.argv.slice(2);
state.calls.push(args);
const save = () => writeFileSync(stateFile, JSON.stringify(state, null, 2));
const flag = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
function print(value) {
  const jq = flag('--jq');
  const json = JSON.stringify(value);
  if (jq === undefined) return process.stdout.write(`${json}\n`);
  const r = spawnSync('jq', ['-r', jq], { input: json, encoding: 'utf8' });
  if (r.status !== 0) fail(`jq: ${r.stderr}`);
  process.stdout.write(r.stdout);
}
function fail(message) {
  save();
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

if (args[0] === 'api') {
  const field = flag('-F');
  const method = flag('--method') ?? (field ? 'POST' : 'GET');
  const path = args.slice(1).find((a, i, all) => !a.startsWith('-') && !['--method', '-F', '--jq'].includes(all[i - 1] ?? ''));
  const body = field?.startsWith('body=@') ? readFileSync(field.slice('body=@'.length), 'utf8') : undefined;
  let m;
  if (method === 'GET' && (m = /^repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/.exec(path))) {
    print(state.comments.filter((c) => c.issue === Number(m[1])));
  } else if (method === 'POST' && (m = /^repos\/[^/]+\/[^/]+\/issues\/(\d+)\/comments$/.exec(path))) {
    const comment = { id: state.nextId++, issue: Number(m[1]), user: { login: 'github-actions[bot]' }, body };
    state.comments.push(comment);
    print({ html_url: `https://github.example/comment/${comment.id}` });
  } else if (method === 'PATCH' && (m = /^repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/.exec(path))) {
    const comment = state.comments.find((c) => c.id === Number(m[1]));
    if (!comment) fail('HTTP 404');
    comment.body = body;
    print({ html_url: `https://github.example/comment/${comment.id}` });
  } else if (method === 'GET' && (m = /^repos\/[^/]+\/[^/]+\/commits\/([0-9a-f]+)\/pulls$/.exec(path))) {
    print(state.pulls[m[1]] ?? []);
  } else fail(`fake gh: unexpected api call ${args.join(' ')}`);
} else if (args[0] === 'run' && args[1] === 'list') {
  print(
    state.runs
      .filter((r) => r.workflow === flag('--workflow') && r.headSha === flag('--commit') && r.status === flag('--status'))
      .map((r) => ({ databaseId: r.databaseId })),
  );
} else if (args[0] === 'run' && args[1] === 'download') {
  const run = state.runs.find((r) => r.databaseId === Number(args[2]));
  const from = join(state.artifacts, flag('--name') ?? '');
  if (!run || !run.artifacts.includes(flag('--name')) || !existsSync(from)) fail('no artifact matches the name');
  cpSync(from, flag('--dir') ?? '.', { recursive: true });
} else fail(`fake gh: unexpected call ${args.join(' ')}`);
save();
