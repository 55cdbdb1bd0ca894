/**
 * `plan --out` then `apply --plan`: the reviewed plan is applied exactly, or not at all. A
 * tampered, foreign, stale or config-mismatched plan is refused, naming what differs, and
 * changes nothing; nothing that can be recomputed is taken from the file.
 */
import Database from 'better-sqlite3';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { editTenantFile } from '../support/big-tenant.js';
import { exampleTenant, pbxsync, writeKeyFile } from '../support/cli.js';

let dir: string;
let env: NodeJS.ProcessEnv;
const run = (...args: string[]) => pbxsync(args, { cwd: dir, env });
const query = <T>(sql: string): T => {
  const db = new Database(join(dir, 'pbx.sqlite'), { readonly: true });
  try {
    return db.prepare(sql).get() as T;
  } finally {
    db.close();
  }
};
const subscribers = () => query<{ n: number }>('SELECT count(*) AS n FROM subscriber').n;
const readPlan = (name = 'acme.plan.json') =>
  JSON.parse(readFileSync(join(dir, name), 'utf8')) as Record<string, unknown> & { changes: Record<string, unknown>[] };
const writePlan = (name: string, plan: unknown) => writeFileSync(join(dir, name), JSON.stringify(plan, null, 2));
const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at /);

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
    expect(applied.stderr).toBe(
      'wrote ' +
        join(dir, 'acme-credentials.xlsx') +
        ' (mode 0600)\n' +
        'note: Kamailio was not told about this apply (the ISP configuration has no kamailio section); to make it follow now, run:\n  kamcmd domain.reload\n',
    );
    expect(applied.status).toBe(0);
    expect(applied.stdout).toContain('Apply complete: 33 created');
    expect(subscribers()).toBe(33);
    const again = run('apply', 'tenant.yaml', '--plan', 'acme.plan.json', '--auto-approve');
    expect(again.stderr).toMatch(/^error: the PBX rows of acme\.com changed since acme\.plan\.json was made; nothing was changed$/m);
  });

  it('is the document plan --json prints: one key style, format and version, a signature, and no secret', () => {
    const json = run('plan', 'tenant.yaml', '--json');
    expect(json.status).toBe(0);
    const doc = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(doc).toMatchObject({ format: 'pbxsync-plan', format_version: 2, tenant: 'acme', domain: 'acme.com', summary: { create: 33 } });
    expect(doc.signature).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    const keys = new Set<string>();
    const walk = (v: unknown, data = false): void => {
      if (Array.isArray(v)) v.forEach((x) => walk(x));
      else if (v && typeof v === 'object')
        for (const [k, x] of Object.entries(v)) {
          if (!data) keys.add(k);
          walk(x, k === 'preferences' || k === 'config_sections');
        }
    };
    walk(doc);
    expect([...keys].filter((k) => /[A-Z]/.test(k))).toEqual([]);
    expect(json.stdout).not.toMatch(/ha1|scrypt|"password"/i);
    writeFileSync(join(dir, 'from-json.plan.json'), json.stdout);
    expect(run('apply', 'tenant.yaml', '--plan', 'from-json.plan.json', '--auto-approve').status).toBe(0);
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

  it('refuses once the tenant record changed (the state store moved on), and changes nothing', () => {
    expect(run('apply', 'tenant.yaml', '--auto-approve').status).toBe(0);
    editTenantFile(join(dir, 'tenant.yaml'), (doc) => doc.set('leavers', 'delete'));
    expect(run('plan', 'tenant.yaml', '--out', 'acme.plan.json').status).toBe(0);
    const file = join(dir, 'acme.pbxsync-state.json');
    const state = JSON.parse(readFileSync(file, 'utf8'));
    state['pbxsync:tenant:acme'].value.retired.push('1998');
    writeFileSync(file, JSON.stringify(state));
    const r = run('apply', 'tenant.yaml', '--plan', 'acme.plan.json', '--auto-approve');
    expect(r.stderr).toMatch(/^error: the record of tenant acme \(state store and PBX\) changed since acme\.plan\.json was made; nothing was changed$/m);
    expect(r.status).toBe(1);
  });

  it('refuses a plan whose tenant file changed since, naming the sections', () => {
    expect(run('plan', 'tenant.yaml', '--out', 'acme.plan.json').status).toBe(0);
    editTenantFile(join(dir, 'tenant.yaml'), (doc) => {
      doc.setIn(['defaults', 'language'], 'fr-FR');
      doc.set('leavers', 'delete');
    });
    const r = run('apply', 'tenant.yaml', '--plan', 'acme.plan.json', '--auto-approve');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: the tenant file .*tenant\.yaml changed since acme\.plan\.json was made \(defaults, leavers\); nothing was changed$/m);
    expect(subscribers()).toBe(0);
  });

  it('refuses an edited plan (safety set to ok, a change removed) and a plan made with another key', () => {
    editTenantFile(join(dir, 'tenant.yaml'), (doc) => doc.set('safety', doc.createNode({ max_remove_share: 0.2, min_existing: 1 })));
    expect(run('apply', 'tenant.yaml', '--auto-approve').status).toBe(0);
    writeFileSync(join(dir, 'directory.json'), JSON.stringify([{ domains: [{ id: 'acme.com', isVerified: true }], value: [] }]));
    expect(run('plan', 'tenant.yaml', '--out', 'acme.plan.json').status).toBe(0);
    const plan = readPlan();
    expect(plan.safety).toMatchObject({ ok: false });
    writePlan('edited.plan.json', { ...plan, safety: { ...(plan.safety as object), ok: true, reasons: [] } });
    for (const args of [[], ['--allow-unsafe']]) {
      const r = run('apply', 'tenant.yaml', '--plan', 'edited.plan.json', '--auto-approve', ...args);
      expect(r.status).toBe(1);
      noStack(r.stderr);
      expect(r.stderr).toMatch(/^error: edited\.plan\.json has been edited since pbxsync wrote it \(its signature does not match\); nothing was changed$/m);
    }
    writePlan('fewer.plan.json', { ...plan, changes: plan.changes.slice(1) });
    expect(run('apply', 'tenant.yaml', '--plan', 'fewer.plan.json', '--auto-approve').stderr).toMatch(/has been edited since pbxsync wrote it/);
    // The untouched plan is recomputed as unsafe: it needs --allow-unsafe like any other.
    expect(run('apply', 'tenant.yaml', '--plan', 'acme.plan.json', '--auto-approve').stderr).toMatch(/refusing an unsafe plan/);
    expect(subscribers()).toBe(33);
    const other = { ...env, PBXSYNC_MASTER_KEY_FILE: writeKeyFile(join(dir, 'other.key')) };
    const foreignKey = pbxsync(['apply', 'tenant.yaml', '--plan', 'acme.plan.json', '--auto-approve'], { cwd: dir, env: other });
    expect(foreignKey.stderr).toMatch(
      /^error: acme\.plan\.json was made with master key k1-[0-9a-f]{16}, but this run has key k1-[0-9a-f]{16}; nothing was changed$/m,
    );
  });

  it('refuses a plan of another tenant, a file that is not a plan, and a plan that breaks its schema', () => {
    expect(run('plan', 'tenant.yaml', '--out', 'acme.plan.json').status).toBe(0);
    const plan = readPlan();
    writePlan('globex.plan.json', { ...plan, tenant: 'globex', domain: 'globex.com' });
    expect(run('apply', 'tenant.yaml', '--plan', 'globex.plan.json', '--auto-approve').stderr).toMatch(
      /is a plan for tenant globex \(globex\.com\), not acme \(acme\.com\)/,
    );
    writeFileSync(join(dir, 'junk.json'), '{"hello": 1}');
    expect(run('apply', 'tenant.yaml', '--plan', 'junk.json', '--auto-approve').stderr).toMatch(/^error: junk\.json is not a pbxsync plan$/m);
    writePlan('old.plan.json', { ...plan, format_version: 1 });
    expect(run('apply', 'tenant.yaml', '--plan', 'old.plan.json', '--auto-approve').stderr).toMatch(
      /is a pbxsync plan of format_version 1; this pbxsync reads 2/,
    );
    writePlan('broken.plan.json', { ...plan, changes: [{ kind: 'create', entity: 'subscriber', after: { object_id: 'x' } }] });
    const broken = run('apply', 'tenant.yaml', '--plan', 'broken.plan.json', '--auto-approve');
    expect(broken.stderr).toMatch(/^error: broken\.plan\.json is not a valid pbxsync plan: \/changes\/0/m);
    noStack(broken.stderr);
    expect(subscribers()).toBe(0);
  });
});
