/**
 * A folder of tenant files, as an ISP's repository holds them: validate, plan (one comment
 * under GitHub's limit, one saved plan per tenant, exit 2), apply exactly the saved plans,
 * plan again (exit 0); two files that would fight stop everything before it runs; one broken
 * tenant fails alone and is named; several tenants are applied only with --auto-approve.
 */
import Database from 'better-sqlite3';
import { copyFileSync, mkdirSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bigTenant, generatedUsers } from '../support/big-tenant.js';
import { pbxsync, scratchDir, writeKeyFile } from '../support/cli.js';
import { testIspYaml, writeTestIspConfig } from '../support/isp.js';

const COUNT = 30;
const names = Array.from({ length: COUNT }, (_, i) => `t${String(i + 1).padStart(2, '0')}`);
let dir: string;
let env: NodeJS.ProcessEnv;
const run = (...args: string[]) => pbxsync(args, { cwd: dir, env });

function tenantYaml(name: string, extra = ''): string {
  return [
    `tenant: ${name}`,
    `domain: ${name}.example`,
    'source:',
    '  type: snapshot',
    `  path: ${name}.json`,
    'pbx:',
    '  url: sqlite:../pbx.sqlite',
    'extensions:',
    '  start: 1001',
    'state:',
    '  url: file:../shared.pbxsync-state.json',
    extra,
  ].join('\n');
}

beforeAll(() => {
  dir = scratchDir('pbxsync-folder-');
  const tenants = join(dir, 'tenants');
  mkdirSync(tenants);
  names.forEach((name, i) => {
    writeFileSync(join(tenants, `${name}.yaml`), tenantYaml(name));
    const domain = `${name}.example`;
    writeFileSync(
      join(tenants, `${name}.json`),
      JSON.stringify([{ domains: [{ id: domain, isVerified: true }], value: generatedUsers(i % 3 === 0 ? 0 : 3 + (i % 5), domain) }]),
    );
  });
  const isp = writeTestIspConfig(
    'folder-isp.yaml',
    testIspYaml(
      '',
      names.map((n) => `${n}.example`),
    ),
  );
  env = { PBXSYNC_MASTER_KEY_FILE: writeKeyFile(join(dir, 'master.key')), PBXSYNC_ISP_CONFIG: isp };
  expect(run('pbx', 'init', 'sqlite:pbx.sqlite').status).toBe(0);
});

describe('a folder of 30 tenants', () => {
  it('validate, plan --markdown --out (exit 2), apply --plan, plan again (exit 0)', () => {
    const valid = run('validate', 'tenants/');
    expect(valid.status, valid.stderr).toBe(0);
    expect(valid.stdout.trim().split('\n')).toHaveLength(COUNT);

    const planned = run('plan', 'tenants/', '--markdown', '--out', 'plans', '--detailed-exitcode', '--parallel', '3');
    expect(planned.status, planned.stderr).toBe(2);
    expect(planned.stdout.length).toBeLessThan(65_536);
    expect(planned.stdout).toMatch(/^### pbxsync plan: 30 tenants$/m);
    expect(planned.stdout.split('\n').filter((l) => /^\| `t\d\d`/.test(l))).toHaveLength(COUNT);
    expect(planned.stdout.split('\n').filter((l) => l.startsWith('<details>'))).toHaveLength(COUNT);
    expect(planned.stdout).toMatch(/^````?diff$/m);
    expect(planned.stderr).toContain('Summary of 30 tenant files: 30 with changes, 0 failed.');
    expect(planned.stderr).toContain('Saved 30 plans to plans; apply exactly them with: pbxsync apply tenants/ --plan plans');
    expect(readdirSync(join(dir, 'plans')).sort()).toEqual(names.map((n) => `${n}.plan.json`));

    const refused = run('apply', 'tenants/', '--plan', 'plans');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^error: applying 30 tenant files needs --auto-approve; nothing was changed$/m);

    const applied = run('apply', 'tenants/', '--plan', 'plans', '--auto-approve');
    expect(applied.status, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('Summary of 30 tenant files: 30 applied, 0 failed.');
    expect(applied.stdout.match(/^Tenant t\d\d \(t\d\d\.example\)$/gm)).toHaveLength(COUNT); // each tenant's output whole, in file order
    expect(applied.stdout.match(/^Tenant (t\d\d)/gm)!.map((l) => l.slice(7))).toEqual(names);
    const db = new Database(join(dir, 'pbx.sqlite'), { readonly: true });
    try {
      expect((db.prepare('SELECT count(*) AS n FROM domain').get() as { n: number }).n).toBe(COUNT);
    } finally {
      db.close();
    }

    // Applied: the same saved plans are stale now, each refused on its own.
    const stale = run('apply', 'tenants/', '--plan', 'plans', '--auto-approve', '--parallel', '8');
    expect(stale.status).toBe(1);
    expect(stale.stdout).toContain('Summary of 30 tenant files: 30 failed.');
    expect(stale.stderr).toMatch(
      /^==> tenants\/t07\.yaml <==\nerror: the PBX rows of t07\.example changed since plans\/t07\.plan\.json was made; nothing was changed$/m,
    );
    // A plan missing from the folder: the set does not match, nothing runs.
    unlinkSync(join(dir, 'plans', 't05.plan.json'));
    const partial = run('apply', 'tenants/', '--plan', 'plans', '--auto-approve');
    expect(partial.status).toBe(1);
    expect(partial.stderr).toMatch(/^error: tenants\/t05\.yaml: no saved plan for tenant t05 in plans/m);
    expect(partial.stdout).toBe('');

    const again = run('plan', 'tenants/', '--detailed-exitcode');
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain('Summary of 30 tenant files: 30 no changes, 0 failed.');
    const comment = run('plan', 'tenants/', '--markdown');
    expect(comment.stdout).toContain('**0 with changes, 30 unchanged, 0 failed.**');
    expect(comment.stdout).not.toContain('<details>'); // unchanged tenants take their table row only
  });

  it('stops before anything runs when two files claim one tenant or one domain, naming both positions', () => {
    copyFileSync(join(dir, 'tenants', 't01.yaml'), join(dir, 'tenants', 'zz-copy.yaml'));
    try {
      const r = run('plan', 'tenants/');
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('tenants/zz-copy.yaml:1:9: error: tenant t01 is also the tenant of tenants/t01.yaml:1:9');
      expect(r.stderr).toContain('tenants/zz-copy.yaml:2:9: error: domain t01.example is also the domain of tenants/t01.yaml:2:9');
      expect(r.stderr).toMatch(/hint: /);
      expect(r.stderr).toMatch(/^tenants\/zz-copy\.yaml:\d+:\d+: error: spreadsheet .*t01-credentials\.xlsx is also the spreadsheet of tenants\/t01\.yaml/m); // the default, from the same name
      expect(r.stderr).toMatch(/^3 conflicts between the tenant files; nothing was run\.$/m);
      expect(r.stdout).toBe('');
      expect(run('validate', 'tenants/').status).toBe(1);
    } finally {
      unlinkSync(join(dir, 'tenants', 'zz-copy.yaml'));
    }
  });

  it('a broken tenant fails alone: the others run, the summary names its file, exit 1', () => {
    writeFileSync(join(dir, 'tenants', 'zz-broken.yaml'), tenantYaml('broken', 'extensions: {}'));
    try {
      const r = run('plan', 'tenants/t02.yaml', 'tenants/zz-broken.yaml', 'tenants/t03.yaml', '--detailed-exitcode');
      expect(r.status).toBe(1);
      expect(r.stdout).toMatch(/^Tenant t02 /m);
      expect(r.stdout).toMatch(/^Tenant t03 /m);
      expect(r.stderr).toMatch(/^==> tenants\/zz-broken\.yaml <==\ntenants\/zz-broken\.yaml:\d+:\d+: error: /m);
      expect(r.stdout).toMatch(/^ {2}tenants\/zz-broken\.yaml +- +FAILED +tenants\/zz-broken\.yaml:\d+:\d+: /m);
      const json = run('plan', 'tenants/t02.yaml', 'tenants/zz-broken.yaml', '--json');
      expect(json.status).toBe(1);
      const doc = JSON.parse(json.stdout) as {
        format: string;
        format_version: number;
        tenants: { file: string; result: string; error?: string; plan?: { format: string; tenant: string } }[];
      };
      expect(doc).toMatchObject({ format: 'pbxsync-plan-set', format_version: 1 });
      expect(doc.tenants.map((t) => [t.file, t.result, t.plan?.tenant ?? null])).toEqual([
        ['tenants/t02.yaml', 'no-changes', 't02'],
        ['tenants/zz-broken.yaml', 'failed', null],
      ]);
      expect(doc.tenants[1]!.error).toMatch(/^tenants\/zz-broken\.yaml:\d+:\d+: /);
    } finally {
      unlinkSync(join(dir, 'tenants', 'zz-broken.yaml'));
    }
  });
});

describe('a 1,222-user onboarding', () => {
  it('plan --markdown: under 65,536 characters, with a note on what was cut and where the full plan is', () => {
    const big = bigTenant(1222, { pbxUrl: 'sqlite:pbx.sqlite' });
    expect(pbxsync(['pbx', 'init', 'sqlite:pbx.sqlite'], { cwd: big.dir, env: big.env }).status).toBe(0);
    const r = pbxsync(['plan', 'tenant.yaml', '--markdown', '--out', 'acme.plan.json', '--detailed-exitcode'], { cwd: big.dir, env: big.env });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stdout.length).toBeLessThan(65_536);
    expect(r.stdout).toContain('| 1222 | 0 | 0 | 0 |');
    expect(r.stdout).toMatch(
      /Cut to fit GitHub's comment limit.*not shown are `acme` \(\d+ of 1222 changes.*The full plan is the saved plan in `acme\.plan\.json`/,
    );
  });
});
