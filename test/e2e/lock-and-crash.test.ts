/**
 * Concurrency and crash safety, as an operator meets them, on both databases: two applies
 * of one tenant (the second waits, then names the holder), two tenants at once, and an apply
 * killed with SIGKILL while its transaction is open (through the test-only hook
 * PBXSYNC_TEST_HOLD_TX_MS, see src/pbx/test-hold.ts).
 */
import Database from 'better-sqlite3';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lockFilePath } from '../../src/pbx/file-lock.js';
import { SqlitePbxProvider } from '../../src/pbx/sqlite-provider.js';
import { HOLD_MARKER } from '../../src/pbx/test-hold.js';
import { bigTenant, editTenantFile, generatedUsers } from '../support/big-tenant.js';
import { pbxsync } from '../support/cli.js';
import { PG_SKIP_REASON, PG_URL, createDatabase, dropDatabases, dumpPg } from '../support/postgres.js';
import { startPbxsync } from '../support/spawn-cli.js';
import { tempDir } from '../support/tmp.js';

afterAll(dropDatabases);

/**
 * Users in the crash test: the kill comes while every one of them is being rewritten. The
 * test-only hold (PBXSYNC_TEST_HOLD_TX_MS) makes the kill land inside the open transaction
 * whatever the size, so the tenant is kept small enough for a busy machine.
 */
const USERS = 150;
const JOINERS = 30;

interface Backend {
  readonly name: string;
  readonly skip: string | null;
  /** A PBX URL with Kamailio's tables and nothing else. */
  fresh(): Promise<string>;
  dump(url: string): Promise<Record<string, unknown[]>>;
}

const TABLES = ['version', 'subscriber', 'dbaliases', 'usr_preferences', 'domain', 'domain_attrs'];

const sqlite: Backend = {
  name: 'SQLite',
  skip: null,
  async fresh() {
    const path = join(tempDir('pbxsync-shared-'), 'pbx.sqlite');
    const pbx = new SqlitePbxProvider(path);
    await pbx.init();
    await pbx.close();
    return `sqlite:${path}`;
  },
  async dump(url) {
    const db = new Database(url.slice('sqlite:'.length), { readonly: true });
    try {
      return Object.fromEntries(TABLES.map((t) => [t, db.prepare(`SELECT * FROM ${t} ORDER BY id`).all()]));
    } finally {
      db.close();
    }
  },
};

const postgres: Backend = {
  name: 'PostgreSQL',
  skip: PG_URL ? null : PG_SKIP_REASON,
  fresh: () => createDatabase({ kamailio: true }),
  dump: dumpPg,
};

const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at /);

describe.each([sqlite, postgres])('$name', (backend) => {
  const title = (t: string) => (backend.skip ? `${t} (${backend.skip})` : t);

  it.skipIf(backend.skip)(title('serialises applies of one tenant, names the holder, and lets other tenants through'), async () => {
    const url = await backend.fresh();
    const acme = bigTenant(5, { pbxUrl: url });
    const globex = bigTenant(5, { tenant: 'globex', domain: 'globex.com', pbxUrl: url });

    // The first apply holds the lock while it waits for its "yes".
    const first = startPbxsync(['apply', 'tenant.yaml'], { cwd: acme.dir, env: acme.env });
    await first.waitFor(/Only 'yes' will be accepted/);

    const second = pbxsync(['apply', 'tenant.yaml', '--auto-approve', '--lock-timeout', '1s'], { cwd: acme.dir, env: acme.env });
    expect(second.status).toBe(1);
    noStack(second.stderr);
    expect(second.stderr).toMatch(new RegExp(`waiting for tenant acme, locked by \\S+@\\S+ pid ${first.pid} since`));
    expect(second.stderr).toMatch(
      new RegExp(
        `^error: tenant acme is locked by \\S+@\\S+ pid ${first.pid} since \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z; gave up after waiting 1s, nothing was written$`,
        'm',
      ),
    );
    expect(second.stderr).toMatch(/hint: .*--lock-timeout/);

    // Another tenant on the same database is not held up by acme's lock.
    const other = pbxsync(['apply', 'tenant.yaml', '--auto-approve', '--lock-timeout', '0'], { cwd: globex.dir, env: globex.env });
    expect(other.stderr).toBe(other.stderr.replace(/locked/, ''));
    expect(other.status).toBe(0);

    // plan takes no lock: it works while the first apply waits for its confirmation.
    const plan = pbxsync(['plan', 'tenant.yaml'], { cwd: acme.dir, env: acme.env });
    expect(plan.status).toBe(0);
    expect(plan.stdout).toContain('Plan: 5 to create');

    first.child.stdin!.end('yes\n');
    expect((await first.exited).code).toBe(0);
    expect(first.stdout()).toContain('Apply complete: 5 created');
    expect(pbxsync(['plan', 'tenant.yaml'], { cwd: acme.dir, env: acme.env }).stdout).toContain('No changes.');
  });

  it.skipIf(backend.skip)(title('two applies started at once: one writes, the other waits, then finds nothing to do'), async () => {
    const url = await backend.fresh();
    const t = bigTenant(8, { pbxUrl: url });
    const both = [0, 1].map(() => startPbxsync(['apply', 'tenant.yaml', '--auto-approve'], { cwd: t.dir, env: t.env }));
    const exits = await Promise.all(both.map((p) => p.exited));
    expect(exits.map((e) => e.code)).toEqual([0, 0]);
    const outputs = both.map((p) => p.stdout());
    expect(outputs.filter((o) => o.includes('Apply complete: 8 created'))).toHaveLength(1);
    expect(outputs.filter((o) => o.includes('Apply complete: no changes.'))).toHaveLength(1);
    const rows = await backend.dump(url);
    expect(rows['subscriber']).toHaveLength(8);
    expect(rows['dbaliases']).toHaveLength(8);
    expect(rows['domain']).toHaveLength(1);
  });

  it.skipIf(backend.skip)(title('a SIGKILL inside the transaction changes nothing; the next apply converges'), { timeout: 180_000 }, async () => {
    const url = await backend.fresh();
    const t = bigTenant(USERS, { pbxUrl: url });
    const initial = pbxsync(['apply', 'tenant.yaml', '--auto-approve'], { cwd: t.dir, env: t.env });
    expect(initial.status, initial.stderr).toBe(0);
    const before = await backend.dump(url);
    expect(before['subscriber']).toHaveLength(USERS);

    // Every user gets a new language, and joiners arrive: deletes and inserts in one transaction.
    editTenantFile(t.file, (doc) => doc.setIn(['defaults', 'language'], 'fr-FR'));
    writeFileSync(join(t.dir, 'directory.json'), JSON.stringify([{ domains: [{ id: 'acme.com', isVerified: true }], value: generatedUsers(USERS + JOINERS) }]));
    const doomed = startPbxsync(['apply', 'tenant.yaml', '--auto-approve', '--allow-unsafe'], {
      cwd: t.dir,
      env: { ...t.env, PBXSYNC_TEST_HOLD_TX_MS: '600000' },
    });
    await doomed.waitFor(new RegExp(HOLD_MARKER));
    doomed.child.kill('SIGKILL');
    expect((await doomed.exited).signal).toBe('SIGKILL');

    expect(await backend.dump(url)).toEqual(before);
    if (backend === sqlite) expect(existsSync(lockFilePath(url.slice('sqlite:'.length), 'acme'))).toBe(true);

    // The killed process's lock (a stale file on SQLite, a dropped session on PostgreSQL) does not block.
    const again = pbxsync(['apply', 'tenant.yaml', '--auto-approve', '--allow-unsafe', '--lock-timeout', '5s'], { cwd: t.dir, env: t.env });
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain(`Apply complete: ${JOINERS} created, ${USERS} updated, 0 disabled, 0 deleted.`);
    const after = await backend.dump(url);
    expect(after['subscriber']).toHaveLength(USERS + JOINERS);
    expect(after['dbaliases']).toHaveLength(USERS + JOINERS);
    const languages = (after['usr_preferences'] as { attribute: string; value: string }[]).filter((p) => p.attribute === 'language');
    expect(languages).toHaveLength(USERS + JOINERS);
    expect(languages.every((p) => p.value === 'fr-FR')).toBe(true);
    expect(pbxsync(['plan', 'tenant.yaml'], { cwd: t.dir, env: t.env }).stdout).toContain('No changes.');
  });
});

describe.skipIf(!PG_URL)(`a PostgreSQL PBX that cannot be used${PG_URL ? '' : ` (${PG_SKIP_REASON})`}`, () => {
  it.each([
    // pbx.url comes from ${PBX_URL}: messages name the database by that reference, never by its value.
    ['is down', (u: URL) => (u.port = '1'), /^error: cannot connect to the PBX database \$\{PBX_URL\}: connection refused$/m],
    [
      'refuses the password',
      (u: URL) => (u.password = 'wrong-s3cret'),
      /^error: the PBX database \$\{PBX_URL\} refused the login of the user of \$\{PBX_URL\}: password authentication failed$/m,
    ],
    ['has no such database', (u: URL) => (u.pathname = '/pbxsync_missing'), /^error: the PBX database \$\{PBX_URL\} does not exist$/m],
  ])('says so in one line when it %s', (_what, spoil, message) => {
    const url = new URL(PG_URL);
    spoil(url);
    const t = bigTenant(3, { pbxUrl: url.toString() });
    for (const command of ['plan', 'apply']) {
      const r = pbxsync([command, 'tenant.yaml', '--auto-approve'].slice(0, command === 'plan' ? 2 : 3), { cwd: t.dir, env: t.env });
      expect(r.status).toBe(1);
      noStack(r.stderr);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/^ {2}hint: /m);
      expect(r.stderr).not.toContain('s3cret');
    }
  });
});

describe('lock timeout option', () => {
  it('refuses a malformed --lock-timeout', () => {
    const t = bigTenant(1, { pbxUrl: 'sqlite:pbx.sqlite' });
    const r = pbxsync(['apply', 'tenant.yaml', '--lock-timeout', 'soon'], { cwd: t.dir, env: t.env });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/expected a duration like 30s, 2m or 90/);
  });
});
