/**
 * Drift: rows of managed accounts changed by hand in a real SQLite PBX after an apply show in
 * the plan as "changed outside pbxsync" (the field, the PBX's value and the value set back;
 * ha1/ha1b only as changed), apply sets them back, and the plan after that is empty. What
 * pbxsync does not manage (other attributes on an account, columns it never writes, rows it
 * did not create) is neither reported as drift nor touched. A change the tenant file asks for
 * is an ordinary update, not drift.
 */
import Database from 'better-sqlite3';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { editTenantFile } from '../support/big-tenant.js';
import { exampleTenant, pbxsync, scratchDir } from '../support/cli.js';
import { PG_SKIP_REASON, PG_URL, createDatabase, dropDatabases, withClient } from '../support/postgres.js';

let dir: string;
let env: NodeJS.ProcessEnv;
const run = (...args: string[]) => pbxsync(args, { cwd: dir, env });
const QUICK = /^unchanged since the last run: .* the rows were not read$/m;

function sql(statement: string): void {
  const db = new Database(join(dir, 'pbx.sqlite'));
  try {
    db.exec(statement);
  } finally {
    db.close();
  }
}

function query<T>(statement: string): T[] {
  const db = new Database(join(dir, 'pbx.sqlite'), { readonly: true });
  try {
    return db.prepare(statement).all() as T[];
  } finally {
    db.close();
  }
}

interface JsonChange {
  kind: string;
  entity: string;
  after?: { username: string };
  cause?: { requested: string[]; drift: string[] };
}

function planJson(): { changes: JsonChange[]; summary: { update: number } } {
  const r = run('plan', 'tenant.yaml', '--json');
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { changes: JsonChange[]; summary: { update: number } };
}

function causes(): Record<string, JsonChange['cause']> {
  return Object.fromEntries(
    planJson()
      .changes.filter((c) => c.entity === 'subscriber')
      .map((c) => [c.after!.username, c.cause]),
  );
}

/** apply sets everything back: the next plan has nothing to do (exit 0 with --detailed-exitcode). */
function expectConverges(): void {
  const applied = run('apply', 'tenant.yaml', '--auto-approve');
  expect(applied.status, applied.stderr).toBe(0);
  const again = run('plan', 'tenant.yaml', '--detailed-exitcode');
  expect(again.status, again.stdout).toBe(0);
  expect(again.stdout).toContain('No changes.');
}

const prefOf = (username: string, attribute: string) =>
  query<{ value: string }>(`SELECT value FROM usr_preferences WHERE username = '${username}' AND attribute = '${attribute}'`).map((r) => r.value);

afterAll(dropDatabases);

describe.skipIf(!PG_URL)(`drift on a PostgreSQL PBX${PG_URL ? '' : ` (${PG_SKIP_REASON})`}`, () => {
  it('shows a preference, ha1 and an alias changed by hand as drift, sets them back, and leaves a hand-added attribute alone', async () => {
    const url = await createDatabase({ kamailio: true });
    const t = exampleTenant();
    editTenantFile(join(t.dir, 'tenant.yaml'), (doc) => doc.setIn(['pbx', 'url'], '${PBX_URL}'));
    const pg = (...args: string[]) => pbxsync(args, { cwd: t.dir, env: { ...t.env, PBX_URL: url } });
    expect(pg('apply', 'tenant.yaml', '--auto-approve').status).toBe(0);
    await withClient(url, async (c) => {
      await c.query(`UPDATE usr_preferences SET value = '+19995550000' WHERE username = 'alice.johnson' AND attribute = 'caller_id'`);
      await c.query(`UPDATE subscriber SET ha1 = '0123456789abcdef0123456789abcdef' WHERE username = 'brian.oconnor'`);
      await c.query(`UPDATE dbaliases SET alias_username = '1099' WHERE username = 'chen.wei'`);
      await c.query(`INSERT INTO usr_preferences (uuid, username, domain, attribute, type, value)
                     SELECT uuid, username, domain, 'custom_note', 0, 'VIP' FROM usr_preferences WHERE username = 'alice.johnson' AND attribute = 'upn'`);
    });
    const plan = pg('plan', 'tenant.yaml', '--detailed-exitcode');
    expect(plan.status, plan.stderr).toBe(2);
    expect(plan.stdout).toMatch(/caller_id: +"\+19995550000" → "\+12125550100" +\(changed outside pbxsync\)/);
    expect(plan.stdout).toMatch(/brian\.oconnor .*\(changed outside pbxsync: set back\)\n +credentials: +changed outside pbxsync \(ha1\/ha1b\)/);
    expect(plan.stdout).toMatch(/extension: +"1099" → "1003" +\(changed outside pbxsync\)/);
    expect(plan.stdout).toContain('Plan: 0 to create, 3 to update (3 changed outside pbxsync), 0 to disable, 0 to delete.');
    expect(pg('apply', 'tenant.yaml', '--auto-approve').status).toBe(0);
    expect(pg('plan', 'tenant.yaml', '--detailed-exitcode').status).toBe(0);
    const note = await withClient(url, (c) => c.query(`SELECT value FROM usr_preferences WHERE attribute = 'custom_note'`));
    expect(note.rows).toEqual([{ value: 'VIP' }]);
  });
});

describe('drift on a SQLite PBX: managed rows changed by hand', () => {
  // One apply of the example, copied for every test (same key, same ISP configuration).
  let template: string;
  beforeAll(() => {
    ({ dir: template, env } = exampleTenant());
    dir = template;
    expect(run('pbx', 'init', 'sqlite:pbx.sqlite').status).toBe(0);
    const applied = run('apply', 'tenant.yaml', '--auto-approve');
    expect(applied.status, applied.stderr).toBe(0);
  });
  beforeEach(() => {
    dir = scratchDir();
    cpSync(template, dir, { recursive: true });
  });

  it('shows preference values edited, removed or added by hand as drift, and apply sets them back', () => {
    sql(`UPDATE usr_preferences SET value = '+19995550000' WHERE username = 'alice.johnson' AND attribute = 'caller_id'`);
    sql(`DELETE FROM usr_preferences WHERE username = 'brian.oconnor' AND attribute = 'language'`);
    sql(`INSERT INTO usr_preferences (uuid, username, domain, attribute, type, value)
         SELECT uuid, username, domain, 'forward_always', 0, '+15550001111' FROM usr_preferences WHERE username = 'chen.wei' AND attribute = 'upn'`);
    const plan = run('plan', 'tenant.yaml', '--detailed-exitcode');
    expect(plan.status, plan.stderr).toBe(2);
    expect(plan.stdout).toMatch(
      /~ 1001 +alice\.johnson .*\(changed outside pbxsync: set back\)\n +caller_id: +"\+19995550000" → "\+12125550100" +\(changed outside pbxsync\)/,
    );
    expect(plan.stdout).toMatch(/brian\.oconnor .*\(changed outside pbxsync: set back\)\n +language: +\(none\) → "en-US" +\(changed outside pbxsync\)/);
    expect(plan.stdout).toMatch(
      /chen\.wei .*\(changed outside pbxsync: set back\)\n +forward_always: +"\+15550001111" → \(none\) +\(changed outside pbxsync\)/,
    );
    expect(plan.stdout).toContain('Plan: 0 to create, 3 to update (3 changed outside pbxsync), 0 to disable, 0 to delete.');
    expect(causes()).toEqual({
      'alice.johnson': { requested: [], drift: ['settings'] },
      'brian.oconnor': { requested: [], drift: ['settings'] },
      'chen.wei': { requested: [], drift: ['settings'] },
    });
    const md = run('plan', 'tenant.yaml', '--markdown');
    expect(md.stdout).toContain('@@ update 1001 alice.johnson  Alice Johnson <alice.johnson@acme.com> (changed outside pbxsync: set back) @@');
    expect(md.stdout).toMatch(/^- {2}caller_id: .*\n\+ {2}caller_id: /m);

    expectConverges();
    expect(prefOf('alice.johnson', 'caller_id')).toEqual(['+12125550100']);
    expect(prefOf('brian.oconnor', 'language')).toEqual(['en-US']);
    expect(prefOf('chen.wei', 'forward_always')).toEqual([]);
  });

  it('shows ha1 changed and a subscriber row removed by hand as changed, never with a hash, and sets them back with the same passwords', () => {
    const [original] = query<{ ha1: string; ha1b: string }>(`SELECT ha1, ha1b FROM subscriber WHERE username = 'alice.johnson'`);
    sql(`UPDATE subscriber SET ha1 = '0123456789abcdef0123456789abcdef' WHERE username = 'alice.johnson'`);
    sql(`DELETE FROM subscriber WHERE username = 'brian.oconnor'`);
    sql(`DELETE FROM usr_preferences WHERE username = 'chen.wei' AND attribute = 'softphone_password'`);
    const plan = run('plan', 'tenant.yaml');
    expect(plan.stdout).toMatch(
      /chen\.wei .*\(changed outside pbxsync: set back\)\n +credentials: +changed outside pbxsync \(softphone hash removed\): set back, passwords unchanged/,
    );
    expect(plan.stdout).toMatch(
      /alice\.johnson .*\(changed outside pbxsync: set back\)\n +credentials: +changed outside pbxsync \(ha1\/ha1b\): set back, passwords unchanged/,
    );
    expect(plan.stdout).toMatch(
      /brian\.oconnor .*\(changed outside pbxsync: set back\)\n +credentials: +changed outside pbxsync \(subscriber row removed\): set back, passwords unchanged/,
    );
    for (const out of [plan.stdout, run('plan', 'tenant.yaml', '--json').stdout, run('plan', 'tenant.yaml', '--markdown').stdout]) {
      expect(out).not.toContain('0123456789abcdef0123456789abcdef');
      expect(out).not.toContain(original!.ha1);
      expect(out).not.toContain(original!.ha1b);
    }
    expect(causes()).toEqual({
      'alice.johnson': { requested: [], drift: ['credentials'] },
      'brian.oconnor': { requested: [], drift: ['credentials'] },
      'chen.wei': { requested: [], drift: ['credentials'] },
    });
    expectConverges();
    expect(query(`SELECT ha1, ha1b FROM subscriber WHERE username = 'alice.johnson'`)).toEqual([original]);
    expect(query(`SELECT username FROM subscriber WHERE username = 'brian.oconnor'`)).toHaveLength(1);
    expect(prefOf('chen.wei', 'softphone_password')).toEqual([expect.stringMatching(/^\$pbkdf2-sha256\$/)]);
  });

  it('sets back aliases changed, added or removed by hand and a username renamed by hand, without retiring a number pbxsync never handed out', () => {
    sql(`UPDATE dbaliases SET alias_username = '1099' WHERE username = 'alice.johnson'`);
    sql(`INSERT INTO dbaliases (alias_username, alias_domain, username, domain) VALUES ('1098', 'acme.com', 'brian.oconnor', 'acme.com')`);
    sql(`DELETE FROM dbaliases WHERE username = 'chen.wei'`);
    for (const table of ['usr_preferences', 'subscriber', 'dbaliases']) sql(`UPDATE ${table} SET username = 'dan.k' WHERE username = 'daniel.kim'`);
    const plan = run('plan', 'tenant.yaml');
    expect(plan.stdout).toMatch(/alice\.johnson .*\(changed outside pbxsync: set back\)\n +extension: +"1099" → "1001" +\(changed outside pbxsync\)/);
    expect(plan.stdout).toMatch(/brian\.oconnor .*\(changed outside pbxsync: set back\)\n +extension: +"1002, 1098" → "1002" +\(changed outside pbxsync\)/);
    expect(plan.stdout).toMatch(/chen\.wei .*\(changed outside pbxsync: set back\)\n +extension: +\(none\) → "1003" +\(changed outside pbxsync\)/);
    expect(plan.stdout).toMatch(/daniel\.kim .*\(changed outside pbxsync: set back\)\n +username: +"dan\.k" → "daniel\.kim" +\(changed outside pbxsync\)/);
    expect(plan.stdout).not.toContain('retired');
    expect(plan.stdout).not.toContain('disagree');
    expect(causes()).toEqual({
      'alice.johnson': { requested: [], drift: ['identity'] },
      'brian.oconnor': { requested: [], drift: ['identity'] },
      'chen.wei': { requested: [], drift: ['identity'] },
      'daniel.kim': { requested: [], drift: ['identity'] },
    });
    expectConverges();
    const aliases = query<{ alias_username: string; username: string }>(
      `SELECT alias_username, username FROM dbaliases WHERE username IN ('alice.johnson', 'brian.oconnor', 'chen.wei', 'daniel.kim') ORDER BY alias_username`,
    );
    expect(aliases.map((a) => `${a.alias_username} ${a.username}`)).toEqual(['1001 alice.johnson', '1002 brian.oconnor', '1003 chen.wei', '1005 daniel.kim']);
    expect(query(`SELECT value FROM usr_preferences WHERE attribute = 'pbxsync_retired' AND value IN ('1098', '1099')`)).toEqual([]);
  });

  it('leaves alone what it does not manage: other attributes on an account, columns it never writes, rows it did not create', () => {
    sql(`INSERT INTO usr_preferences (uuid, username, domain, attribute, type, value)
         SELECT uuid, username, domain, 'custom_note', 0, 'VIP, call back' FROM usr_preferences WHERE username = 'alice.johnson' AND attribute = 'upn'`);
    sql(`UPDATE usr_preferences SET last_modified = '2026-01-01 00:00:00' WHERE username = 'brian.oconnor'`);
    sql(`INSERT INTO subscriber (username, domain, password, ha1, ha1b) VALUES ('fax', 'acme.com', '', 'x', 'y')`);
    sql(`INSERT INTO dbaliases (alias_username, alias_domain, username, domain) VALUES ('1100', 'acme.com', 'sales-hunt', 'acme.com')`);
    const plan = run('plan', 'tenant.yaml', '--detailed-exitcode');
    expect(plan.status, plan.stdout).toBe(0);
    expect(plan.stdout).not.toContain('changed outside pbxsync');
    expect(plan.stdout).toContain("subscriber 'fax' was not created by pbxsync: left alone");
    expect(plan.stdout).toContain("extension 1100 → 'sales-hunt' was not created by pbxsync: left alone");

    // An apply that sets back a real hand edit keeps them all.
    sql(`UPDATE usr_preferences SET value = 'de-DE' WHERE username = 'alice.johnson' AND attribute = 'language'`);
    const drifted = run('plan', 'tenant.yaml');
    expect(drifted.stdout).toMatch(/language: +"de-DE" → "en-US" +\(changed outside pbxsync\)/);
    expect(drifted.stdout).not.toContain('custom_note');
    expectConverges();
    expect(prefOf('alice.johnson', 'custom_note')).toEqual(['VIP, call back']);
    expect(query(`SELECT last_modified FROM usr_preferences WHERE username = 'brian.oconnor' AND attribute = 'language'`)).toEqual([
      { last_modified: '2026-01-01 00:00:00' },
    ]);
    expect(query(`SELECT username FROM subscriber WHERE username = 'fax'`)).toHaveLength(1);
    expect(query(`SELECT username FROM dbaliases WHERE alias_username = '1100'`)).toEqual([{ username: 'sales-hunt' }]);
  });

  it('tells a change the tenant file asks for from drift, also on one account, and saves and applies a plan with drift', () => {
    const file = join(dir, 'tenant.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('language: en-US # text-to-speech prompts', 'language: en-GB # text-to-speech prompts'));
    sql(`UPDATE usr_preferences SET value = '+19995550000' WHERE username = 'alice.johnson' AND attribute = 'caller_id'`);
    const plan = run('plan', 'tenant.yaml');
    // Everyone's language is asked for: an ordinary update, no drift label.
    expect(plan.stdout).toMatch(/brian\.oconnor {2}Brian O'Connor <brian\.oconnor@acme\.com>\n +language: +"en-US" → "en-GB"\n/);
    // alice's caller id was also changed by hand, in the same part (settings): which line is which is not known.
    expect(plan.stdout).toMatch(
      /alice\.johnson .*\(partly changed outside pbxsync\)\n +caller_id: +"\+19995550000" → "\+12125550100"\n +language: +"en-US" → "en-GB"\n/,
    );
    const both = causes();
    expect(both['brian.oconnor']).toEqual({ requested: ['settings'], drift: [] });
    expect(both['alice.johnson']).toEqual({ requested: ['settings'], drift: ['settings'] });

    // Asked for in one part (a new pinned extension), set back in others: those lines are drift.
    writeFileSync(
      file,
      readFileSync(file, 'utf8')
        .replace('language: en-GB', 'language: en-US')
        .replace('  alice.johnson@acme.com:\n', '  alice.johnson@acme.com:\n    extension: 1060\n'),
    );
    sql(`UPDATE subscriber SET ha1 = '0123456789abcdef0123456789abcdef' WHERE username = 'alice.johnson'`);
    const mixed = run('plan', 'tenant.yaml');
    expect(mixed.stdout).toMatch(
      /alice\.johnson .*\(partly changed outside pbxsync\)\n +extension: +"1001" → "1060"\n +caller_id: +"\+19995550000" → "\+12125550100" +\(changed outside pbxsync\)\n +credentials: +changed outside pbxsync \(ha1\/ha1b\)/,
    );
    expect(causes()['alice.johnson']).toEqual({ requested: ['identity'], drift: ['settings', 'credentials'] });

    const saved = run('plan', 'tenant.yaml', '--out', 'acme.plan.json');
    expect(saved.status, saved.stderr).toBe(0);
    const applied = run('apply', 'tenant.yaml', '--plan', 'acme.plan.json', '--auto-approve');
    expect(applied.status, applied.stderr).toBe(0);
    expect(run('plan', 'tenant.yaml', '--detailed-exitcode').status).toBe(0);
    expect(prefOf('alice.johnson', 'caller_id')).toEqual(['+12125550100']);
    expect(prefOf('brian.oconnor', 'language')).toEqual(['en-US']);
  });

  it('sees drift right after a remembered no-change run: a hand edit changes the PBX fingerprint', () => {
    expect(run('plan', 'tenant.yaml').stderr).not.toMatch(QUICK);
    expect(run('plan', 'tenant.yaml').stderr).toMatch(QUICK);
    sql(`UPDATE usr_preferences SET value = '5' WHERE username = 'alice.johnson' AND attribute = 'max_concurrent_calls'`);
    const r = run('plan', 'tenant.yaml', '--detailed-exitcode');
    expect(r.stderr).not.toMatch(QUICK);
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(/max_concurrent_calls: +"5" → "2" +\(changed outside pbxsync\)/);
    expectConverges();
  });
});
