/**
 * The apply's hook that tells Kamailio, end to end on the embedded SQLite PBX, against a
 * stand-in JSON-RPC server in this process (the real Kamailio: test/kamailio/notify.test.ts):
 * nothing is sent before the commit, nor for a cancelled or refused apply; without a
 * `kamailio` section the commands to run by hand are printed once, and only when there are
 * any; an unreachable Kamailio makes exit code 3 with the commit in place.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { pbxsyncAsync } from '../support/cli-async.js';
import { exampleTenant, pbxsync } from '../support/cli.js';
import { testIspYaml } from '../support/isp.js';
import { tempDir } from '../support/tmp.js';

interface Received {
  readonly method: string;
  readonly params: unknown;
  /** Whether the tenant's domain row was committed when the request arrived. */
  readonly domainCommitted: boolean;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

/** Answers every request with an empty result, as jsonrpcs does for domain.reload and ul.rm. */
async function fakeKamailio(pbxFile: string): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8').on('data', (c: string) => (text += c));
    req.on('end', () => {
      const body = JSON.parse(text) as { method: string; params?: unknown; id: number };
      const db = new Database(pbxFile, { readonly: true, fileMustExist: true });
      const rows = db.prepare("SELECT count(*) AS n FROM domain WHERE domain = 'acme.com'").get() as { n: number };
      db.close();
      received.push({ method: body.method, params: body.params ?? [], domainCommitted: rows.n === 1 });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', result: {}, id: body.id }));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/RPC`, received };
}

/** examples/acme with its SQLite PBX created (`pbx init`). */
function tenant(): { dir: string; env: NodeJS.ProcessEnv } {
  const t = exampleTenant();
  expect(pbxsync(['pbx', 'init', 'sqlite:pbx.sqlite'], { cwd: t.dir, env: t.env }).status).toBe(0);
  return t;
}

function ispWith(kamailio: string): string {
  const path = join(tempDir('isp-'), 'isp.yaml');
  writeFileSync(path, `${testIspYaml(kamailio)}\n`);
  return path;
}

function leave(dir: string, upns: readonly string[]): void {
  const file = join(dir, 'directory.json');
  const pages = JSON.parse(readFileSync(file, 'utf8')) as { value: { userPrincipalName: string }[] }[];
  for (const page of pages) page.value = page.value.filter((u) => !upns.includes(u.userPrincipalName));
  writeFileSync(file, JSON.stringify(pages));
}

describe('apply tells Kamailio after the commit', () => {
  it('without a kamailio section sends nothing and prints the commands to run by hand once, only when there are any', () => {
    const { dir, env } = tenant();
    const first = pbxsync(['apply', 'tenant.yaml', '--auto-approve'], { cwd: dir, env });
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).not.toContain('Kamailio');
    expect(first.stderr.match(/note: Kamailio was not told/g)).toHaveLength(1);
    expect(first.stderr).toContain(
      'note: Kamailio was not told about this apply (the ISP configuration has no kamailio section); to make it follow now, run:\n  kamcmd domain.reload\n',
    );

    const same = pbxsync(['apply', 'tenant.yaml', '--auto-approve'], { cwd: dir, env });
    expect(same.status).toBe(0);
    expect(same.stderr).not.toContain('Kamailio');

    leave(dir, ['oliver.brown@acme.com']);
    const leaver = pbxsync(['apply', 'tenant.yaml', '--auto-approve'], { cwd: dir, env });
    expect(leaver.status).toBe(0);
    expect(leaver.stderr).toContain('to make it follow now, run:\n  kamcmd ul.rm location oliver.brown@acme.com\n');
  });

  it('sends nothing for a cancelled or a refused apply, and everything only once the rows are committed', async () => {
    const { dir, env } = tenant();
    const kamailio = await fakeKamailio(join(dir, 'pbx.sqlite'));
    const told = { ...env, PBXSYNC_ISP_CONFIG: ispWith(`kamailio:\n  jsonrpc_url: ${kamailio.url}`) };

    const cancelled = await pbxsyncAsync(['apply', 'tenant.yaml'], { cwd: dir, env: told, input: 'no\n' });
    expect(cancelled.status).toBe(1);
    expect(cancelled.stderr).toMatch(/cancelled; nothing was changed/);
    expect(kamailio.received).toEqual([]);

    const applied = await pbxsyncAsync(['apply', 'tenant.yaml', '--auto-approve'], { cwd: dir, env: told });
    expect(applied.status, applied.stderr).toBe(0);
    expect(kamailio.received).toEqual([{ method: 'domain.reload', params: [], domainCommitted: true }]);

    // Ten leavers out of 33 is past the 20% safety share: refused, nothing changed, nothing sent.
    const upns = (JSON.parse(readFileSync(join(dir, 'directory.json'), 'utf8')) as { value: { userPrincipalName: string }[] }[])
      .flatMap((p) => p.value.map((u) => u.userPrincipalName))
      .filter((u) => u.endsWith('@acme.com') && u !== 'svc.scanner@acme.com')
      .slice(0, 10);
    leave(dir, upns);
    kamailio.received.length = 0;
    const unsafe = await pbxsyncAsync(['apply', 'tenant.yaml', '--auto-approve'], { cwd: dir, env: told });
    expect(unsafe.status).toBe(1);
    expect(unsafe.stderr).toMatch(/refusing an unsafe plan/);
    expect(kamailio.received).toEqual([]);

    const allowed = await pbxsyncAsync(['apply', 'tenant.yaml', '--auto-approve', '--allow-unsafe'], { cwd: dir, env: told });
    expect(allowed.status, allowed.stderr).toBe(0);
    // One ul.rm per leaver (each disabled), nothing else.
    const disabled = Number(/Apply complete: 0 created, 0 updated, (\d+) disabled/.exec(allowed.stdout)?.[1]);
    expect(disabled).toBeGreaterThan(5);
    expect(kamailio.received.map((r) => r.method)).toEqual(Array(disabled).fill('ul.rm'));
    expect(allowed.stderr).toContain(`told Kamailio: ul.rm for ${kamailio.received.length} addresses`);
  });

  it('with Kamailio unreachable: applied all the same, a warning with the command to run by hand, exit 3', async () => {
    const { dir, env } = tenant();
    const gone = await fakeKamailio(join(dir, 'pbx.sqlite'));
    await new Promise((resolve) => servers.pop()!.close(resolve));
    const r = pbxsync(['apply', 'tenant.yaml', '--auto-approve'], {
      cwd: dir,
      env: { ...env, PBXSYNC_ISP_CONFIG: ispWith(`kamailio:\n  jsonrpc_url: ${gone.url}`) },
    });
    expect(r.status, r.stderr).toBe(3);
    expect(r.stdout).toMatch(/Apply complete: 33 created, 0 updated, 0 disabled, 0 deleted\. Credentials: /);
    expect(r.stderr).toContain(
      `warning: the PBX was updated, but Kamailio was not told (1 of 1 command failed); run by hand:\n  kamcmd domain.reload  # cannot connect to Kamailio's JSON-RPC at ${gone.url} (connection refused)\n  hint: is Kamailio running`,
    );
    expect(pbxsync(['plan', 'tenant.yaml'], { cwd: dir, env }).stdout).toContain('No changes.');
  });
});
