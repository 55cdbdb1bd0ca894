/**
 * The main job on PostgreSQL, through the CLI: `pbx init` runs Kamailio's own scripts, apply
 * and plan work on `pbx.url: postgres://…`, and with `state.url: postgres://…` a second
 * machine (another copy of the tenant folder) sees the same state.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { editTenantFile } from '../support/big-tenant.js';
import { exampleTenant, pbxsync } from '../support/cli.js';
import { KAMAILIO_SQL_DIR, PG_SKIP_REASON, PG_URL, createDatabase, dropDatabases, withClient } from '../support/postgres.js';

afterAll(dropDatabases);

describe.skipIf(!PG_URL)(`pbxsync on a PostgreSQL PBX${PG_URL ? '' : ` (${PG_SKIP_REASON})`}`, () => {
  it("inits with Kamailio's scripts, applies, and shares its state between machines", async () => {
    const url = await createDatabase();
    const password = new URL(url).password;
    const first = exampleTenant();
    for (let i = 0; i < 2; i++) {
      const init = pbxsync(['pbx', 'init', url, '--sql-dir', KAMAILIO_SQL_DIR], { cwd: first.dir, env: first.env });
      expect(init.status, init.stderr).toBe(0);
      expect(init.stderr).toMatch(/^Kamailio 5\.6 tables ready in postgres:\/\/127\.0\.0\.1/m);
      if (password) expect(init.stderr + init.stdout).not.toContain(password);
    }
    const env = { ...first.env, PBX_URL: url, STATE_URL: url };
    const useUrls = (dir: string) =>
      editTenantFile(join(dir, 'tenant.yaml'), (doc) => {
        doc.setIn(['pbx', 'url'], '${PBX_URL}');
        doc.setIn(['state', 'url'], '${STATE_URL}');
      });
    useUrls(first.dir);
    const apply = pbxsync(['apply', 'tenant.yaml', '--auto-approve'], { cwd: first.dir, env });
    expect(apply.status, apply.stderr).toBe(0);
    expect(apply.stdout).toContain('Apply complete: 33 created');
    const counts = await withClient(url, (c) => c.query(`SELECT count(*)::int AS n FROM subscriber WHERE domain = 'acme.com'`));
    expect(counts.rows[0].n).toBe(33);

    // Another machine: same tenant file, same master key, no local state file.
    const second = exampleTenant();
    useUrls(second.dir);
    const plan = pbxsync(['plan', 'tenant.yaml', '--detailed-exitcode'], { cwd: second.dir, env });
    expect(plan.stdout).toContain('No changes.');
    expect(plan.status).toBe(0);
    const state = await withClient(url, (c) => c.query(`SELECT key FROM pbxsync_state`));
    expect(state.rows.map((r) => r.key)).toContain('pbxsync:tenant:acme');
  });

  it('stores directory text with control characters on PostgreSQL too (NUL removed, with a warning), and converges', async () => {
    const url = await createDatabase({ kamailio: true });
    const t = exampleTenant();
    editTenantFile(join(t.dir, 'tenant.yaml'), (doc) => doc.setIn(['pbx', 'url'], '${PBX_URL}'));
    const file = join(t.dir, 'directory.json');
    const pages = JSON.parse(readFileSync(file, 'utf8')) as { value: Record<string, unknown>[] }[];
    const alice = pages[0]!.value.find((u) => u.userPrincipalName === 'alice.johnson@acme.com')!;
    alice.displayName = 'Alice\u0000 Johnson\u001b]0;owned\u0007';
    writeFileSync(file, JSON.stringify(pages));
    const env = { ...t.env, PBX_URL: url };
    const apply = pbxsync(['apply', 'tenant.yaml', '--auto-approve'], { cwd: t.dir, env });
    expect(apply.status, apply.stderr).toBe(0);
    expect(apply.stdout).toMatch(/displayName held control characters or broken surrogate pairs, removed before storing/);
    const stored = await withClient(url, (c) => c.query(`SELECT value FROM usr_preferences WHERE attribute = 'display_name' AND username = 'alice.johnson'`));
    expect(stored.rows).toEqual([{ value: 'Alice Johnson]0;owned' }]);
    expect(pbxsync(['plan', 'tenant.yaml', '--detailed-exitcode'], { cwd: t.dir, env }).status).toBe(0);
  });
});
