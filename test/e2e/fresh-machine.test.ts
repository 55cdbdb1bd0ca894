/**
 * pbxsync on machines that have never run it (fresh CI runners), as a new user meets it: no
 * key and no state file. No password changes without an explicit rotation, no retired number
 * is reused after the state is lost, and every failure is one line.
 */
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { editTenantFile, generatedUsers } from '../support/big-tenant.js';
import { ROOT, exampleTenant, pbxsync, writeKeyFile } from '../support/cli.js';

let dir: string;
let env: NodeJS.ProcessEnv;
const run = (...args: string[]) => pbxsync(args, { cwd: dir, env });
const tenantFile = () => join(dir, 'tenant.yaml');
const stateFile = () => join(dir, 'acme.pbxsync-state.json');
const rows = (sql: string) => {
  const db = new Database(join(dir, 'pbx.sqlite'), { readonly: true });
  try {
    return db.prepare(sql).all() as Record<string, unknown>[];
  } finally {
    db.close();
  }
};
const subscriberRows = () => rows("SELECT username, ha1, ha1b FROM subscriber WHERE domain = 'acme.com' ORDER BY username");
/** Exit 1, no stack, and the error is one line (after any progress notices), followed only by hints. */
const oneLine = (r: { stderr: string; status: number | null }, message: RegExp) => {
  expect(r.status).toBe(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  const lines = r.stderr.trimEnd().split('\n');
  const at = lines.findIndex((l) => l.startsWith('error: '));
  expect(lines[at]).toMatch(message);
  expect(lines.slice(at + 1).every((l) => l.startsWith('  hint: '))).toBe(true);
};

/** A small tenant: five users of the example, below min_existing so that no share brake fires. */
function fiveUsers(): void {
  const pages = JSON.parse(readFileSync(join(dir, 'directory.json'), 'utf8')) as { value: Record<string, unknown>[] }[];
  const users = pages
    .flatMap((p) => p.value)
    .filter((u) => u.accountEnabled !== false && u.userType === 'Member' && String(u.userPrincipalName).endsWith('@acme.com'));
  writeFileSync(join(dir, 'directory.json'), JSON.stringify([{ domains: [{ id: 'acme.com', isVerified: true }], value: users.slice(0, 5) }]));
  editTenantFile(tenantFile(), (doc) => doc.delete('users'));
}

beforeEach(() => {
  ({ dir, env } = exampleTenant());
  expect(run('pbx', 'init', 'sqlite:pbx.sqlite').status).toBe(0);
  fiveUsers();
});

describe('a machine that has never run pbxsync', () => {
  it('has no key: plan and apply stop in one line, write nothing, and create no key', () => {
    const bare = { HOME: join(dir, 'home') };
    for (const command of [
      ['plan', 'tenant.yaml'],
      ['apply', 'tenant.yaml', '--auto-approve'],
    ]) {
      const r = pbxsync(command, { cwd: dir, env: bare });
      oneLine(r, /^error: no master key: PBXSYNC_MASTER_KEY is not set and .*home\/\.config\/pbxsync\/master\.key does not exist; nothing was changed$/);
      expect(r.stderr).toMatch(/hint: .*pbxsync key generate/);
    }
    expect(existsSync(join(dir, 'home', '.config', 'pbxsync', 'master.key'))).toBe(false);
    expect(rows('SELECT * FROM subscriber')).toEqual([]);
    const made = pbxsync(['key', 'generate'], { cwd: dir, env: bare });
    expect(made.status).toBe(0);
    expect(made.stderr).toMatch(/^Wrote a new master key to .*master\.key \(mode 0600\), key id k1-[0-9a-f]{16}\.$/m);
    expect(statSync(join(dir, 'home', '.config', 'pbxsync', 'master.key')).mode & 0o777).toBe(0o600);
    oneLine(pbxsync(['key', 'generate'], { cwd: dir, env: bare }), /^error: .*master\.key exists already; it was not changed$/);
    const id = pbxsync(['key', 'id'], { cwd: dir, env: bare });
    expect(made.stderr).toContain(id.stdout.trim());
  });

  it('with another key, stops before writing: the 5-user tenant keeps every password (with the state, and without it)', () => {
    expect(run('apply', 'tenant.yaml', '--auto-approve').status).toBe(0);
    const before = subscriberRows();
    const ours = run('key', 'id').stdout.trim();
    const runner = { PBXSYNC_MASTER_KEY_FILE: writeKeyFile(join(dir, 'runner.key')) };
    const theirs = pbxsync(['key', 'id'], { cwd: dir, env: runner }).stdout.trim();
    for (const lost of [false, true]) {
      if (lost) rmSync(stateFile());
      for (const command of [
        ['plan', 'tenant.yaml'],
        ['apply', 'tenant.yaml', '--auto-approve'],
      ]) {
        const r = pbxsync(command, { cwd: dir, env: runner });
        oneLine(r, new RegExp(`^error: tenant acme was set up with master key ${ours}, but this run has key ${theirs}; nothing was changed$`));
        expect(r.stderr).toContain(`credentials.key_id: ${theirs}`);
      }
      expect(subscriberRows()).toEqual(before);
    }
  });

  it('re-keys only when the tenant file says so, as a rotation of every password behind the brake', () => {
    expect(run('apply', 'tenant.yaml', '--auto-approve').status).toBe(0);
    const before = subscriberRows();
    const runner = { PBXSYNC_MASTER_KEY_FILE: writeKeyFile(join(dir, 'runner.key')) };
    const theirs = pbxsync(['key', 'id'], { cwd: dir, env: runner }).stdout.trim();
    editTenantFile(tenantFile(), (doc) => doc.setIn(['credentials', 'key_id'], theirs));
    const plan = pbxsync(['plan', 'tenant.yaml'], { cwd: dir, env: runner });
    expect(plan.status).toBe(0);
    expect(plan.stdout).toContain('Plan: 0 to create, 5 to update, 0 to disable, 0 to delete.');
    expect(plan.stdout.match(/sip_password:\s+\(sensitive\)/g)).toHaveLength(5);
    expect(plan.stdout).toMatch(/master key id k1-[0-9a-f]{16} → k1-/);
    expect(plan.stderr).toMatch(/re-keys the tenant from master key k1-[0-9a-f]{16} to k1-/);
    oneLine(pbxsync(['apply', 'tenant.yaml', '--auto-approve'], { cwd: dir, env: runner }), /^error: refusing an unsafe plan; nothing was changed$/);
    expect(subscriberRows()).toEqual(before);
    expect(pbxsync(['apply', 'tenant.yaml', '--auto-approve', '--allow-unsafe'], { cwd: dir, env: runner }).status).toBe(0);
    expect(subscriberRows()).not.toEqual(before);
    expect(pbxsync(['plan', 'tenant.yaml', '--detailed-exitcode'], { cwd: dir, env: runner }).status).toBe(0);
    // The old key is now the foreign one.
    oneLine(run('plan', 'tenant.yaml'), /^error: the tenant file names master key k1-.* \(credentials\.key_id\), but this run has key k1-/);
  });

  it('with the state file lost and the PBX intact, plans exactly as with it, and never reuses a retired number', () => {
    editTenantFile(tenantFile(), (doc) => doc.set('leavers', 'delete'));
    expect(run('apply', 'tenant.yaml', '--auto-approve').status).toBe(0);
    const pages = JSON.parse(readFileSync(join(dir, 'directory.json'), 'utf8')) as { value: Record<string, unknown>[] }[];
    const [leaver, ...rest] = pages[0]!.value;
    const joiner = {
      ...leaver,
      id: '00000000-0000-4000-8000-00000000beef',
      userPrincipalName: 'new.joiner@acme.com',
      displayName: 'AAA New Joiner',
      mail: 'new.joiner@acme.com',
    };
    writeFileSync(join(dir, 'directory.json'), JSON.stringify([{ ...pages[0], value: rest }]));
    expect(run('apply', 'tenant.yaml', '--auto-approve').status).toBe(0); // the leaver is deleted, its number retired
    const retired = JSON.parse(readFileSync(stateFile(), 'utf8'))['pbxsync:tenant:acme'].value.retired as string[];
    expect(retired).toHaveLength(1);
    writeFileSync(join(dir, 'directory.json'), JSON.stringify([{ ...pages[0], value: [...rest, joiner] }]));
    const withState = run('plan', 'tenant.yaml', '--json');
    rmSync(stateFile());
    const withoutState = run('plan', 'tenant.yaml', '--json');
    const changes = (r: { stdout: string }) => JSON.parse(r.stdout).changes;
    expect(changes(withoutState)).toEqual(changes(withState));
    expect(JSON.stringify(changes(withoutState))).not.toContain(`"extensions":["${retired[0]}"]`);
    expect(JSON.parse(withoutState.stdout).warnings.map((w: { code: string }) => w.code)).toEqual(['record-restored']);
    editTenantFile(tenantFile(), (doc) => doc.setIn(['users', joiner.id], doc.createNode({ extension: Number(retired[0]) })));
    oneLine(
      run('plan', 'tenant.yaml'),
      new RegExp(`extension ${retired[0]} pinned for new\\.joiner@acme\\.com belonged to a deleted user and the tenant does not allow reuse`),
    );
  });

  it('refuses a changed tenant: name on an existing domain instead of copying every account', () => {
    expect(run('apply', 'tenant.yaml', '--auto-approve').status).toBe(0);
    editTenantFile(tenantFile(), (doc) => doc.set('tenant', 'acme2'));
    const r = run('apply', 'tenant.yaml', '--auto-approve');
    oneLine(r, /^error: domain acme\.com belongs to tenant 'acme' \(its did\), but this file is tenant 'acme2'; nothing was changed$/);
    expect(rows('SELECT count(*) AS n FROM subscriber')).toEqual([{ n: 5 }]);
  });

  it('puts warnings in every output: text, --json and --markdown', () => {
    editTenantFile(tenantFile(), (doc) => doc.setIn(['users', 'nobody@acme.com'], doc.createNode({ extension: 1070 })));
    const text = run('plan', 'tenant.yaml');
    expect(text.stdout).toMatch(/^ {2}! tenant\.yaml:\d+:3: users\.nobody@acme\.com matches no directory user$/m);
    expect(JSON.parse(run('plan', 'tenant.yaml', '--json').stdout).warnings).toEqual([
      {
        code: 'override-matches-nobody',
        message: 'users.nobody@acme.com matches no directory user',
        hint: expect.any(String),
        location: { file: 'tenant.yaml', line: expect.any(Number), col: 3 },
      },
    ]);
    expect(run('plan', 'tenant.yaml', '--markdown').stdout).toMatch(/^- ⚠️ `tenant\.yaml:\d+:3` users\\\.nobody\\@acme\\\.com matches no directory user/m);
  });

  it('ends quietly when the reader of its output goes away (plan --json | head -1)', () => {
    // Far more output than a pipe holds, so that writes go on after the reader has gone.
    writeFileSync(join(dir, 'directory.json'), JSON.stringify([{ domains: [{ id: 'acme.com', isVerified: true }], value: generatedUsers(600) }]));
    const cli = `"${process.execPath}" "${join(ROOT, 'bin', 'pbxsync.js')}"`;
    const r = spawnSync('bash', ['-c', `${cli} plan tenant.yaml --json | head -c 1; echo " status=\${PIPESTATUS[0]}"`], {
      cwd: dir,
      env: { ...env, PATH: process.env.PATH, HOME: dir },
      encoding: 'utf8',
    });
    expect(r.stdout).toBe('{ status=0\n');
    expect(r.stderr).toBe('');
  });

  it('says in one line that the PBX was applied when only the state store could not follow, and the next run repairs it', () => {
    writeFileSync(join(dir, 'blocker'), 'a file where the state folder should be');
    editTenantFile(tenantFile(), (doc) => doc.setIn(['state', 'url'], 'file:blocker/acme.json'));
    const r = run('apply', 'tenant.yaml', '--auto-approve');
    oneLine(r, /^error: the PBX was updated, but the state store could not be: cannot write the state file .*blocker\/acme\.json \(ENOTDIR\)/);
    expect(r.stderr).toMatch(/hint: nothing is lost: the tenant's PBX rows hold its record/);
    expect(rows('SELECT count(*) AS n FROM subscriber')).toEqual([{ n: 5 }]);
    editTenantFile(tenantFile(), (doc) => doc.setIn(['state', 'url'], 'file:acme.pbxsync-state.json'));
    const plan = run('plan', 'tenant.yaml', '--detailed-exitcode');
    expect(plan.status).toBe(0);
    expect(plan.stdout).toMatch(/the state store has no record of it/);
    expect(run('apply', 'tenant.yaml', '--auto-approve').status).toBe(0);
    expect(JSON.parse(readFileSync(stateFile(), 'utf8'))['pbxsync:tenant:acme'].value.keyId).toBe(run('key', 'id').stdout.trim());
    expect(run('plan', 'tenant.yaml').stdout).not.toMatch(/state store has no record/);
  });
});
