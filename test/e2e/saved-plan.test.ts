/** `plan --out` then `apply --plan`: the reviewed plan is applied exactly, or not at all. */
import Database from 'better-sqlite3';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { exampleTenant, pbxsync } from '../support/cli.js';

let dir: string;
let env: NodeJS.ProcessEnv;
const run = (...args: string[]) => pbxsync(args, { cwd: dir, env });
const subscribers = () => {
  const db = new Database(join(dir, 'pbx.sqlite'), { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM subscriber').get() as { n: number }).n;
  } finally {
    db.close();
  }
};

beforeEach(() => {
  ({ dir, env } = exampleTenant());
  expect(run('pbx', 'init', 'sqlite:pbx.sqlite').status).toBe(0);
});

describe('saved plans', () => {
  it('applies exactly the saved plan, without reading the directory again', () => {
    const saved = run('plan', 'tenant.yaml', '--out', 'acme.plan.json');
    expect(saved.status).toBe(0);
    expect(saved.stderr).toContain('Saved the plan to acme.plan.json');
    // A directory change after review must not sneak into the apply.
    writeFileSync(join(dir, 'directory.json'), '[]');
    const applied = run('apply', 'tenant.yaml', '--plan', 'acme.plan.json', '--auto-approve');
    expect(applied.status).toBe(0);
    expect(applied.stdout).toContain('Apply complete: 33 created');
    expect(subscribers()).toBe(33);
    expect(run('apply', 'tenant.yaml', '--plan', 'acme.plan.json', '--auto-approve').stderr).toMatch(/changed since acme\.plan\.json was made; nothing was changed/);
  });

  it('refuses once the PBX changed, and changes nothing', () => {
    expect(run('plan', 'tenant.yaml', '--out', 'acme.plan.json').status).toBe(0);
    const db = new Database(join(dir, 'pbx.sqlite'));
    db.prepare("INSERT INTO subscriber (username, domain, password) VALUES ('fax', 'acme.com', 'x')").run();
    db.close();
    const r = run('apply', 'tenant.yaml', '--plan', 'acme.plan.json', '--auto-approve');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: the PBX rows of acme\.com changed since acme\.plan\.json was made; nothing was changed$/m);
    expect(r.stderr).toMatch(/hint: make a new plan/);
    expect(subscribers()).toBe(1);
  });

  it('refuses a plan of another tenant or a file that is not a plan', () => {
    expect(run('plan', 'tenant.yaml', '--out', 'acme.plan.json').status).toBe(0);
    const plan = JSON.parse(readFileSync(join(dir, 'acme.plan.json'), 'utf8'));
    writeFileSync(join(dir, 'globex.plan.json'), JSON.stringify({ ...plan, tenant: 'globex', domain: 'globex.com' }));
    expect(run('apply', 'tenant.yaml', '--plan', 'globex.plan.json', '--auto-approve').stderr).toMatch(/is a plan for tenant globex \(globex\.com\), not acme \(acme\.com\)/);
    writeFileSync(join(dir, 'junk.json'), '{"hello": 1}');
    expect(run('apply', 'tenant.yaml', '--plan', 'junk.json', '--auto-approve').stderr).toMatch(/is not a pbxsync plan/);
    expect(subscribers()).toBe(0);
  });
});
