/**
 * Changing a tenant's `domain:` moves it, on SQLite and PostgreSQL: every subscriber,
 * extension and preference follows in one transaction, ha1/ha1b are recomputed for the new
 * domain, usernames, extensions and passwords stay, the old domain row is gone. A move onto
 * another tenant's domain is refused, and a move killed half-way leaves the old domain intact.
 */
import Database from 'better-sqlite3';
import ExcelJS from 'exceljs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HOLD_MARKER } from '../../src/pbx/test-hold.js';
import { SqlitePbxProvider } from '../../src/pbx/sqlite-provider.js';
import { bigTenant, editTenantFile } from '../support/big-tenant.js';
import { pbxsync } from '../support/cli.js';
import { PG_SKIP_REASON, PG_URL, createDatabase, dropDatabases, dumpPg } from '../support/postgres.js';
import { rowStrings } from '../support/sheet-cells.js';
import { startPbxsync } from '../support/spawn-cli.js';
import { tempDir } from '../support/tmp.js';

afterAll(dropDatabases);

interface Backend {
  readonly name: string;
  readonly skip: string | null;
  fresh(): Promise<string>;
  rows(url: string): Promise<Record<string, Record<string, unknown>[]>>;
}

const TABLES = ['subscriber', 'dbaliases', 'usr_preferences', 'domain', 'domain_attrs'];

const backends: Backend[] = [
  {
    name: 'SQLite',
    skip: null,
    async fresh() {
      const path = join(tempDir('pbxsync-move-'), 'pbx.sqlite');
      const pbx = new SqlitePbxProvider(path);
      await pbx.init();
      await pbx.close();
      return `sqlite:${path}`;
    },
    async rows(url) {
      const db = new Database(url.slice('sqlite:'.length), { readonly: true });
      try {
        return Object.fromEntries(TABLES.map((t) => [t, db.prepare(`SELECT * FROM ${t} ORDER BY id`).all() as Record<string, unknown>[]]));
      } finally {
        db.close();
      }
    },
  },
  {
    name: 'PostgreSQL',
    skip: PG_URL ? null : PG_SKIP_REASON,
    fresh: () => createDatabase({ kamailio: true }),
    rows: async (url) => Object.fromEntries(Object.entries(await dumpPg(url)).filter(([t]) => TABLES.includes(t))) as Record<string, Record<string, unknown>[]>,
  },
];

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

async function sheet(path: string): Promise<{ username: string; domain: string; password: string; extension: string }[]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(path);
  const rows: { username: string; domain: string; password: string; extension: string }[] = [];
  wb.getWorksheet('Subscribers')!.eachRow((row, n) => {
    if (n === 1) return;
    const v = rowStrings(row);
    rows.push({ extension: v[3]!, username: v[4]!, domain: v[5]!, password: v[6]! });
  });
  return rows.sort((a, b) => a.username.localeCompare(b.username));
}

/** The tenant file names the new domain; its users keep their @acme.com UPNs (declared in the scope). */
function moveTo(file: string, domain: string): void {
  editTenantFile(file, (doc) => {
    doc.set('domain', domain);
    doc.setIn(['source', 'scope', 'domains'], doc.createNode(['acme.com']));
  });
}

describe.each(backends)('$name', (backend) => {
  const title = (t: string) => (backend.skip ? `${t} (${backend.skip})` : t);

  it.skipIf(backend.skip)(
    title('moves every row of the tenant to its new domain, as one change, with the same numbers and passwords'),
    { timeout: 120_000 },
    async () => {
      const url = await backend.fresh();
      const t = bigTenant(12, { pbxUrl: url });
      expect(pbxsync(['apply', 'tenant.yaml', '--auto-approve'], { cwd: t.dir, env: t.env }).status).toBe(0);
      const before = await sheet(join(t.dir, 'acme-credentials.xlsx'));
      moveTo(t.file, 'moved.example');
      const plan = pbxsync(['plan', 'tenant.yaml', '--detailed-exitcode'], { cwd: t.dir, env: t.env });
      expect(plan.status, plan.stderr).toBe(2);
      expect(plan.stdout).toMatch(/^ {2}~ domain acme\.com → moved\.example \(did acme\): the tenant moves$/m);
      expect(plan.stdout).toContain('Plan: 1 domain move (acme.com → moved.example), 0 to create, 0 to update, 0 to disable, 0 to delete.');
      expect(plan.stdout).toMatch(/Domain moved\.example \(the tenant moves onto it\): lies under the ISP's own namespace/);

      const apply = pbxsync(['apply', 'tenant.yaml', '--auto-approve'], { cwd: t.dir, env: t.env });
      expect(apply.status, apply.stderr).toBe(0);
      const rows = await backend.rows(url);
      expect(rows['domain']!.map((r) => [r.domain, r.did])).toEqual([['moved.example', 'acme']]);
      for (const table of ['subscriber', 'usr_preferences']) expect(new Set(rows[table]!.map((r) => r.domain))).toEqual(new Set(['moved.example']));
      expect(new Set(rows['dbaliases']!.flatMap((r) => [r.alias_domain, r.domain]))).toEqual(new Set(['moved.example']));
      const after = await sheet(join(t.dir, 'acme-credentials.xlsx'));
      expect(after.map((r) => ({ ...r, domain: 'acme.com' }))).toEqual(before);
      expect(new Set(after.map((r) => r.domain))).toEqual(new Set(['moved.example']));
      for (const r of after) {
        const sub = rows['subscriber']!.find((s) => s.username === r.username)!;
        expect(sub.ha1).toBe(md5(`${r.username}:moved.example:${r.password}`));
        expect(sub.ha1b).toBe(md5(`${r.username}@moved.example:moved.example:${r.password}`));
      }
      expect(pbxsync(['plan', 'tenant.yaml', '--detailed-exitcode'], { cwd: t.dir, env: t.env }).status).toBe(0);
    },
  );

  it.skipIf(backend.skip)(
    title("refuses a move onto another tenant's domain, and a move killed half-way leaves the old domain intact"),
    { timeout: 120_000 },
    async () => {
      const url = await backend.fresh();
      const acme = bigTenant(8, { pbxUrl: url });
      const globex = bigTenant(3, { tenant: 'globex', domain: 'globex.com', pbxUrl: url });
      expect(pbxsync(['apply', 'tenant.yaml', '--auto-approve'], { cwd: acme.dir, env: acme.env }).status).toBe(0);
      expect(pbxsync(['apply', 'tenant.yaml', '--auto-approve'], { cwd: globex.dir, env: globex.env }).status).toBe(0);
      const before = await backend.rows(url);

      moveTo(acme.file, 'globex.com');
      const onto = pbxsync(['apply', 'tenant.yaml', '--auto-approve'], { cwd: acme.dir, env: acme.env });
      expect(onto.status).toBe(1);
      expect(onto.stderr).toMatch(/^error: domain globex\.com belongs to tenant 'globex' \(its did\), but this file is tenant 'acme'; nothing was changed$/m);
      expect(await backend.rows(url)).toEqual(before);

      moveTo(acme.file, 'moved.example');
      const doomed = startPbxsync(['apply', 'tenant.yaml', '--auto-approve'], { cwd: acme.dir, env: { ...acme.env, PBXSYNC_TEST_HOLD_TX_MS: '600000' } });
      await doomed.waitFor(new RegExp(HOLD_MARKER));
      doomed.child.kill('SIGKILL');
      expect((await doomed.exited).signal).toBe('SIGKILL');
      expect(await backend.rows(url)).toEqual(before);
      const again = pbxsync(['apply', 'tenant.yaml', '--auto-approve', '--lock-timeout', '10s'], { cwd: acme.dir, env: acme.env });
      expect(again.status, again.stderr).toBe(0);
      const rows = await backend.rows(url);
      expect(rows['domain']!.map((r) => r.domain).sort()).toEqual(['globex.com', 'moved.example']);
      expect(rows['subscriber']!.filter((r) => r.domain === 'globex.com')).toEqual(before['subscriber']!.filter((r) => r.domain === 'globex.com'));
    },
  );
});
