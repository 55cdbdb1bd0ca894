/**
 * A directory user who chose a hostile display name, department and mail (anyone can edit
 * their own Entra profile; a pull request can edit a snapshot): the built CLI's plan, its
 * Markdown comment, its JSON, apply and discover show none of the raw bytes. The core strips
 * C0/C1 before storing, so what reaches the renderers here is bidi and zero-width characters
 * and Markdown; C0/C1 in rendered text are covered by test/unit/render-hostile.test.ts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { exampleTenant, pbxsync } from '../support/cli.js';
import { RAW_UNSAFE, firstUnsafe } from '../support/hostile.js';

const NAME =
  'Emma \u202Egnp.exe\u202C Sch\u200Bmidt\u2066\u2069\u200F \u001b]52;c;ZXZpbA==\u0007\r @octocat <img src=x> </details> | --- | ``` [x](javascript:alert(1)) # h';
const DEPARTMENT = 'Fin\u2028ance\u2029 \u200D@acme/admins ![](http://tracker.example/p.gif) \u001b]0;pwned\u0007';

let dir: string;
let env: NodeJS.ProcessEnv;
const run = (...args: string[]) => pbxsync(args, { cwd: dir, env });

beforeEach(() => {
  ({ dir, env } = exampleTenant());
  const file = join(dir, 'directory.json');
  const pages = JSON.parse(readFileSync(file, 'utf8')) as { value: Record<string, unknown>[] }[];
  for (const user of pages.flatMap((p) => p.value)) {
    if (user.userPrincipalName === 'emma.schmidt@acme.com')
      Object.assign(user, { displayName: NAME, department: DEPARTMENT, mail: 'emma\u200B.schmidt\u202E@acme.com' });
  }
  writeFileSync(file, JSON.stringify(pages, null, 2));
  expect(run('pbx', 'init', 'sqlite:pbx.sqlite').status).toBe(0);
});

/** Both streams of a run, which must have succeeded and hold no raw unsafe character (line breaks are the output's own). */
function clean(r: { status: number | null; stdout: string; stderr: string }): string {
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.status).toBe(0);
  expect(firstUnsafe(r.stdout)).toBeNull();
  expect(firstUnsafe(r.stderr)).toBeNull();
  return r.stdout;
}

describe('a hostile directory profile, end to end', () => {
  it('plan: the name shows with visible escapes, nothing raw', () => {
    const out = clean(run('plan', 'tenant.yaml'));
    expect(out).toContain('Emma \\u{202e}gnp.exe\\u{202c} Sch\\u{200b}midt\\u{2066}\\u{2069}\\u{200f} ]52;c;ZXZpbA== @octocat <img src=x>');
    expect(out).toContain('"Fin\\u{2028}ance\\u{2029} \\u{200d}@acme/admins');
    expect(out).toMatch(/held control characters/); // the core's warning: C0 was removed before storing
  });

  it('plan --markdown: the name inert in the diff block, no mention, no markup, nothing raw outside it', () => {
    const out = clean(run('plan', 'tenant.yaml', '--markdown'));
    const lines = out.split('\n');
    const open = lines.findIndex((l) => /^`{3,}diff$/.test(l));
    const fence = lines[open]!.slice(0, -'diff'.length);
    const close = lines.indexOf(fence, open + 1);
    expect(fence.length).toBeGreaterThan(3); // the name holds ```: the fence is longer
    const block = lines.slice(open + 1, close);
    expect(block.every((l) => /^(\+ |- |@@ )/.test(l) && !l.includes(fence))).toBe(true);
    const head = block.find((l) => l.includes('Emma'))!;
    expect(head).toMatch(/^@@ create \d+ emma\.schmidt {2}Emma \\u\{202e\}gnp\.exe\\u\{202c\} Sch\\u\{200b\}midt/);
    expect(head).toContain('@octocat <img src=x> </details> | --- | ``` [x](javascript:alert(1)) # h'); // inert inside a code block
    expect(block.filter((l) => l.startsWith('@@ create'))).toHaveLength(33);
    const prose = [...lines.slice(0, open), ...lines.slice(close + 1)]
      .join('\n')
      .replace(/^<\/?details>.*$/gm, '')
      .replace(/^### /, '');
    expect(prose).not.toMatch(/(?<!\\)<(?!span>\$<\/span>)|(?<![\\&])#(?!8203;)|(?<!\\)@/);
  });

  it('plan --json: no raw C0 (JSON.stringify escapes them); the value is kept exactly', () => {
    const out = run('plan', 'tenant.yaml', '--json');
    expect(out.status).toBe(0);
    expect(out.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    expect(JSON.stringify(JSON.parse(out.stdout))).toContain('Sch\u200Bmidt');
  });

  // JSON.stringify leaves bidi, zero-width, U+2028/9 (and C1) raw; the plan document escapes them losslessly.
  it('plan --json: no raw bidi or zero-width character either', () => {
    expect(firstUnsafe(run('plan', 'tenant.yaml', '--json').stdout)).toBeNull();
  });

  it('apply, then discover: nothing raw, the stored name shows with visible escapes', () => {
    clean(run('apply', 'tenant.yaml', '--auto-approve', '--no-spreadsheet'));
    const out = clean(run('discover', 'tenant.yaml'));
    expect(out).toMatch(/^\d+ +emma\.schmidt +Emma \\u\{202e\}gnp\.exe\\u\{202c\} Sch\\u\{200b\}midt/m);
    expect(RAW_UNSAFE.test(out)).toBe(false);
  });
});
