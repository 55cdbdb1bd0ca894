/**
 * The no-change check: a re-sync that finds the same tenant file, directory, record and PBX
 * rows (by fingerprint) as the last run that left nothing to do shows that run's plan without
 * reading the rows, and a no-change apply leaves the spreadsheet it wrote alone. Any change —
 * a row edited by hand, a line of the tenant file, a user, the state, a tampered cache entry,
 * a spreadsheet that was touched — makes it plan in full again.
 */
import Database from 'better-sqlite3';
import { readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { exampleTenant, pbxsync } from '../support/cli.js';

let dir: string;
let env: NodeJS.ProcessEnv;
const run = (...args: string[]) => pbxsync(args, { cwd: dir, env });
const QUICK = /^unchanged since the last run: .* the rows were not read$/m;
const cacheFile = () => join(dir, 'acme.pbxsync-cache.json');

function sql(statement: string): void {
  const db = new Database(join(dir, 'pbx.sqlite'));
  try {
    db.exec(statement);
  } finally {
    db.close();
  }
}

/** The full plan, which remembers, then the quick one: both must print the same. */
function planTwice(): string {
  const full = run('plan', 'tenant.yaml');
  expect(full.status, full.stderr).toBe(0);
  expect(full.stderr).not.toMatch(QUICK);
  const quick = run('plan', 'tenant.yaml');
  expect(quick.status, quick.stderr).toBe(0);
  expect(quick.stderr).toMatch(QUICK);
  expect(quick.stdout).toBe(full.stdout);
  return quick.stdout;
}

beforeEach(() => {
  ({ dir, env } = exampleTenant());
  expect(run('pbx', 'init', 'sqlite:pbx.sqlite').status).toBe(0);
  const applied = run('apply', 'tenant.yaml', '--auto-approve');
  expect(applied.status, applied.stderr).toBe(0);
});

describe('the no-change check', () => {
  it('plans in full once after an apply, then answers from what it remembered, with the same output (warnings and scope too)', () => {
    expect(planTwice()).toContain('No changes.');
    const json = run('plan', 'tenant.yaml', '--json');
    expect(json.status).toBe(0);
    expect((JSON.parse(json.stdout) as { changes: unknown[] }).changes).toEqual([]);
  });

  it('sees a row changed by hand, though the row count stays the same', () => {
    planTwice();
    sql(`UPDATE subscriber SET ha1 = '0123456789abcdef0123456789abcdef' WHERE username = 'alice.johnson'`);
    const r = run('plan', 'tenant.yaml');
    expect(r.stderr).not.toMatch(QUICK);
    expect(r.stdout).toContain('alice.johnson');
    expect(r.stdout).toMatch(/1 to update/);
  });

  it('plans in full after a change to the tenant file (even a comment: warnings carry positions), the directory or the state', () => {
    planTwice();
    writeFileSync(join(dir, 'tenant.yaml'), `# a new comment\n${readFileSync(join(dir, 'tenant.yaml'), 'utf8')}`);
    expect(run('plan', 'tenant.yaml').stderr).not.toMatch(QUICK);
    expect(run('plan', 'tenant.yaml').stderr).toMatch(QUICK);

    const file = join(dir, 'directory.json');
    const pages = JSON.parse(readFileSync(file, 'utf8')) as { value: { displayName: string; userPrincipalName: string }[] }[];
    pages[0]!.value.find((u) => u.userPrincipalName === 'alice.johnson@acme.com')!.displayName = 'Alice J.';
    writeFileSync(file, JSON.stringify(pages));
    const renamed = run('plan', 'tenant.yaml');
    expect(renamed.stderr).not.toMatch(QUICK);
    expect(renamed.stdout).toMatch(/1 to update/);
    pages[0]!.value.find((u) => u.userPrincipalName === 'alice.johnson@acme.com')!.displayName = 'Alice Johnson';
    writeFileSync(file, JSON.stringify(pages));
    // Back as it was: the same inputs as when the empty plan was remembered.
    expect(run('plan', 'tenant.yaml').stderr).toMatch(QUICK);

    const state = join(dir, 'acme.pbxsync-state.json');
    const before = readFileSync(state, 'utf8');
    const after = before.replace(/"retired": \[[^\]]*\]/, '"retired": ["1999"]');
    expect(after).not.toBe(before);
    writeFileSync(state, after);
    expect(run('plan', 'tenant.yaml').stderr).not.toMatch(QUICK);
  });

  it('ignores a remembered entry that was edited without the master key', () => {
    planTwice();
    const text = readFileSync(cacheFile(), 'utf8');
    const entry = JSON.parse(text) as Record<string, { value: { plan: { warnings: unknown[] } } }>;
    entry['pbxsync:cache:unchanged:acme']!.value.plan.warnings = [{ code: 'foreign-alias', message: 'planted' }];
    writeFileSync(cacheFile(), JSON.stringify(entry));
    const r = run('plan', 'tenant.yaml');
    expect(r.stderr).not.toMatch(QUICK);
    expect(r.stdout).not.toContain('planted');
  });

  it('a no-change apply leaves the spreadsheet it wrote alone, and writes it again once it is gone or touched', () => {
    const sheet = join(dir, 'acme-credentials.xlsx');
    const first = run('apply', 'tenant.yaml', '--auto-approve');
    expect(first.stderr).not.toMatch(QUICK);
    expect(first.stderr).toContain(`wrote ${sheet} (mode 0600)`);
    const written = statSync(sheet);
    const again = run('apply', 'tenant.yaml', '--auto-approve');
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toMatch(QUICK);
    expect(again.stderr).toContain(`${sheet} is up to date`);
    expect(again.stdout).toContain(`Apply complete: no changes. Credentials: ${sheet}`);
    expect(statSync(sheet).mtimeMs).toBe(written.mtimeMs);

    utimesSync(sheet, new Date(), new Date(Date.now() - 60_000));
    const touched = run('apply', 'tenant.yaml', '--auto-approve');
    expect(touched.stderr).not.toMatch(QUICK);
    expect(touched.stderr).toContain(`wrote ${sheet}`);
    rmSync(sheet);
    const gone = run('apply', 'tenant.yaml', '--auto-approve');
    expect(gone.stderr).toContain(`wrote ${sheet}`);
    expect(statSync(sheet).size).toBeGreaterThan(0);
    // --no-spreadsheet does not need the file.
    rmSync(sheet);
    expect(run('apply', 'tenant.yaml', '--auto-approve', '--no-spreadsheet').stderr).toMatch(QUICK);
  });
});
