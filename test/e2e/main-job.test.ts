/**
 * The main job end to end, as an operator runs it: run the built CLI on a copy of
 * examples/acme with a real SQLite PBX file, then edit the tenant file and the snapshot. The
 * first test spawns a process per call, as the quickstart does; the others use the warm one.
 */
import Database from 'better-sqlite3';
import ExcelJS from 'exceljs';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { exampleTenant, pbxsync, spawnPbxsync } from '../support/cli.js';
import { rowStrings } from '../support/sheet-cells.js';

let dir: string;
let env: NodeJS.ProcessEnv;
const run = (...args: string[]) => pbxsync(args, { cwd: dir, env });
const spawned = (...args: string[]) => spawnPbxsync(args, { cwd: dir, env });

function editTenant(edit: (doc: ReturnType<typeof parseDocument>) => void): void {
  const file = join(dir, 'tenant.yaml');
  const doc = parseDocument(readFileSync(file, 'utf8'));
  edit(doc);
  writeFileSync(file, doc.toString());
}

function editDirectory(edit: (users: Record<string, unknown>[]) => Record<string, unknown>[]): void {
  const file = join(dir, 'directory.json');
  const pages = JSON.parse(readFileSync(file, 'utf8')) as { value: Record<string, unknown>[] }[];
  for (const page of pages) page.value = edit(page.value);
  writeFileSync(file, JSON.stringify(pages, null, 2));
}

async function sheetRows(): Promise<Record<string, string>[]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(join(dir, 'acme-credentials.xlsx'));
  const ws = wb.getWorksheet('Subscribers')!;
  const header = rowStrings(ws.getRow(1));
  const rows: Record<string, string>[] = [];
  ws.eachRow((row, n) => {
    if (n === 1) return;
    const values = rowStrings(row);
    rows.push(Object.fromEntries(header.map((h, i) => [h, values[i]!])));
  });
  return rows;
}

function pbxRows(sql: string): unknown[] {
  const db = new Database(join(dir, 'pbx.sqlite'), { readonly: true });
  try {
    return db.prepare(sql).all();
  } finally {
    db.close();
  }
}

const IN_SCOPE = 33; // 40 users − 2 disabled − 2 guests − 2 of acme-labs.io − 1 excluded

function applied(): void {
  expect(run('pbx', 'init', 'sqlite:pbx.sqlite').status).toBe(0);
  const r = run('apply', 'tenant.yaml', '--auto-approve');
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.status).toBe(0);
}

beforeEach(() => {
  ({ dir, env } = exampleTenant());
});

describe('pbxsync on examples/acme', () => {
  it('plans, applies, writes the spreadsheet, and then has nothing left to do', async () => {
    expect(spawned('pbx', 'init', 'sqlite:pbx.sqlite').status).toBe(0);
    const plan = spawned('plan', 'tenant.yaml', '--detailed-exitcode');
    expect(plan.status).toBe(2);
    expect(plan.stdout).toContain(`Plan: ${IN_SCOPE} to create, 0 to update, 0 to disable, 0 to delete.`);
    expect(plan.stdout).toContain('(sensitive)');
    expect(plan.stdout).toMatch(/master key id k1-[0-9a-f]{16} recorded/);

    const apply = spawned('apply', 'tenant.yaml', '--auto-approve');
    expect(apply.status).toBe(0);
    expect(apply.stdout).toContain(`Apply complete: ${IN_SCOPE} created, 0 updated, 0 disabled, 0 deleted.`);

    const sheet = join(dir, 'acme-credentials.xlsx');
    expect(statSync(sheet).mode & 0o777).toBe(0o600);
    const rows = await sheetRows();
    expect(rows).toHaveLength(IN_SCOPE);
    expect(rows.every((r) => r.Status === 'new' && r['SIP password']!.length === 20)).toBe(true);
    expect(rows.find((r) => r.UPN === 'reception@acme.com')?.Extension).toBe('1050');
    expect(new Set(rows.map((r) => r['SIP username'])).size).toBe(IN_SCOPE);

    const again = spawned('plan', 'tenant.yaml', '--detailed-exitcode');
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('No changes.');
    expect(spawned('apply', 'tenant.yaml', '--auto-approve').stdout).toContain('Apply complete: no changes.');
    expect((await sheetRows()).every((r) => r.Status === 'unchanged')).toBe(true);
  });

  it('stores HA1/HA1B, never a plaintext password, and no secret in the plan or state', () => {
    applied();
    const subs = pbxRows("SELECT password, ha1, ha1b FROM subscriber WHERE domain = 'acme.com'") as { password: string; ha1: string }[];
    expect(subs).toHaveLength(IN_SCOPE);
    expect(subs.every((s) => s.password === '' && /^[0-9a-f]{32}$/.test(s.ha1))).toBe(true);
    const json = run('plan', 'tenant.yaml', '--json');
    expect(JSON.parse(json.stdout).format_version).toBe(2);
    const state = readFileSync(join(dir, 'acme.pbxsync-state.json'), 'utf8');
    for (const text of [json.stdout, state]) expect(text).not.toMatch(/ha1|scrypt\$/i);
  });

  it('turns each edit of the file or the directory into exactly that change', () => {
    applied();
    editTenant((doc) => doc.setIn(['users', 'grace.hopper@acme.com', 'extension'], 1060));
    let out = run('plan', 'tenant.yaml').stdout;
    expect(out).toContain('Plan: 0 to create, 1 to update, 0 to disable, 0 to delete.');
    expect(out).toMatch(/~ 1060\s+grace.hopper/);
    expect(out).toMatch(/extension:\s+"\d+" → "1060"/);

    editTenant((doc) => doc.setIn(['users', 'hannah.lee@acme.com'], doc.createNode({ exclude: true })));
    out = run('plan', 'tenant.yaml').stdout;
    expect(out).toContain('Plan: 0 to create, 1 to update, 1 to disable, 0 to delete.');
    expect(out).toMatch(/- \d+\s+hannah.lee .*disable/);

    editDirectory((users) => users.filter((u) => u.userPrincipalName !== 'oliver.brown@acme.com'));
    out = run('plan', 'tenant.yaml').stdout;
    expect(out).toContain('Plan: 0 to create, 1 to update, 2 to disable, 0 to delete.');

    editTenant((doc) => doc.setIn(['defaults', 'language'], 'fr-FR'));
    out = run('plan', 'tenant.yaml').stdout;
    const languageLines = out.split('\n').filter((l) => /language:\s+"en-US" → "fr-FR"/.test(l));
    expect(languageLines).toHaveLength(IN_SCOPE - 2);
    expect(out).toContain(`Plan: 0 to create, ${IN_SCOPE - 2} to update, 2 to disable, 0 to delete.`);
  });

  it('refuses an unsafe plan unless --allow-unsafe, and changes nothing', () => {
    applied();
    editDirectory((users) => users.filter((u) => !String(u.displayName).match(/^[A-J]/)));
    const refused = run('apply', 'tenant.yaml', '--auto-approve');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/exceeds the safety thresholds/);
    expect(refused.stderr).toMatch(/max_remove_share 0.2/);
    expect(run('plan', 'tenant.yaml').stdout).not.toContain('No changes.');
    expect(run('apply', 'tenant.yaml', '--auto-approve', '--allow-unsafe').status).toBe(0);
    expect(run('plan', 'tenant.yaml').stdout).toContain('No changes.');
  });

  it('asks for yes, and anything else changes nothing', () => {
    expect(run('pbx', 'init', 'sqlite:pbx.sqlite').status).toBe(0);
    const no = pbxsync(['apply', 'tenant.yaml'], { cwd: dir, env, input: 'no\n' });
    expect(no.status).toBe(1);
    expect(no.stderr).toMatch(/cancelled; nothing was changed/);
    expect(pbxRows('SELECT * FROM subscriber')).toHaveLength(0);
    expect(existsSync(join(dir, 'acme-credentials.xlsx'))).toBe(false);
    const yes = pbxsync(['apply', 'tenant.yaml'], { cwd: dir, env, input: 'yes\n' });
    expect(yes.status).toBe(0);
    expect(pbxRows('SELECT * FROM subscriber')).toHaveLength(IN_SCOPE);
  });

  it('rebuilds a wiped PBX with identical extensions and passwords', async () => {
    applied();
    const before = await sheetRows();
    const ha1Before = pbxRows('SELECT username, ha1, ha1b FROM subscriber ORDER BY username');
    const db = new Database(join(dir, 'pbx.sqlite'));
    for (const t of ['subscriber', 'usr_preferences']) db.prepare(`DELETE FROM ${t} WHERE domain = 'acme.com'`).run();
    db.prepare("DELETE FROM dbaliases WHERE alias_domain = 'acme.com'").run();
    db.prepare("DELETE FROM domain WHERE domain = 'acme.com'").run();
    db.close();
    expect(run('apply', 'tenant.yaml', '--auto-approve').status).toBe(0);
    const after = await sheetRows();
    const key = (r: Record<string, string>) => `${r.UPN} ${r.Extension} ${r['SIP username']} ${r['SIP password']} ${r['Softphone password']}`;
    expect(after.map(key).sort()).toEqual(before.map(key).sort());
    expect(pbxRows('SELECT username, ha1, ha1b FROM subscriber ORDER BY username')).toEqual(ha1Before);
  });

  it('leaves rows it did not create alone and says so', () => {
    applied();
    const db = new Database(join(dir, 'pbx.sqlite'));
    db.prepare("INSERT INTO subscriber (username, domain, password) VALUES ('fax', 'acme.com', 'faxpw')").run();
    db.prepare("INSERT INTO dbaliases (alias_username, alias_domain, username, domain) VALUES ('1999', 'acme.com', 'fax', 'acme.com')").run();
    db.close();
    const plan = run('plan', 'tenant.yaml');
    expect(plan.stdout).toContain('No changes.');
    expect(plan.stdout).toMatch(/subscriber 'fax' was not created by pbxsync: left alone/);
    expect(run('apply', 'tenant.yaml', '--auto-approve').status).toBe(0);
    expect(pbxRows("SELECT password FROM subscriber WHERE username = 'fax'")).toEqual([{ password: 'faxpw' }]);
  });

  it('refuses a PBX whose Kamailio tables are at other versions', () => {
    applied();
    const db = new Database(join(dir, 'pbx.sqlite'));
    db.prepare("UPDATE version SET table_version = 6 WHERE table_name = 'subscriber'").run();
    db.close();
    const r = run('plan', 'tenant.yaml');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/subscriber.*6.*7/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('validate checks the snapshot offline: overrides naming nobody warn, a missing snapshot fails', () => {
    editTenant((doc) => doc.setIn(['users', 'nobody@acme.com'], doc.createNode({ extension: 1070 })));
    const warned = run('validate', 'tenant.yaml');
    expect(warned.status).toBe(0);
    expect(warned.stderr).toMatch(/^tenant\.yaml:\d+:3: warning: users\.nobody@acme\.com matches no directory user/m);
    expect(warned.stdout).toContain('tenant.yaml: ok (1 warning)');
    editTenant((doc) => doc.setIn(['source', 'path'], 'missing.json'));
    const failed = run('validate', 'tenant.yaml');
    expect(failed.status).toBe(1);
    expect(failed.stderr).toMatch(/^tenant\.yaml:\d+:\d+: error: .*missing\.json/m);
  });
});
