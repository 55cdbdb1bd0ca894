/**
 * A real softphone set up from its card's code: Debian's linphonec (liblinphone), given only
 * the provisioning URL (`[misc] config-uri`, what scanning the Linphone code on the card
 * does), fetches the user's Linphone file from a loopback HTTP server over the provisioning
 * folder, and registers on Kamailio (examples/kamailio/kamailio.cfg on the PostgreSQL
 * database pbxsync wrote) with the HA1 it holds: Kamailio then has the user's contact. After
 * a rotation the old URL answers 404 and the new card's code registers with the new password.
 *
 * Needs PBXSYNC_TEST_POSTGRES_URL, PBXSYNC_TEST_KAMAILIO_BIN (set by .ci/run) and linphonec.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, get, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { editTenantFile } from '../support/big-tenant.js';
import { track } from '../support/children.js';
import { pbxsync } from '../support/cli.js';
import { createDatabase, dropDatabases } from '../support/postgres.js';
import { tempDir } from '../support/tmp.js';
import { REASON, SKIP, acmeTenant, jsonRpc, startKamailio, type RunningKamailio, type Tenant } from './support.js';

const LINPHONEC = process.env.PBXSYNC_TEST_LINPHONEC_BIN ?? 'linphonec';
const NO_LINPHONE = spawnSync(LINPHONEC, ['--version'], { encoding: 'utf8' }).error !== undefined;
const skip = SKIP || NO_LINPHONE;
const why = SKIP ? REASON : `${LINPHONEC} not found (Debian's linphone-cli): the softphone test is skipped`;
if (skip) process.stderr.write(`note: ${why}\n`);

/** Serves the provisioning folder as the ISP's server would: GET /linphone/NAME.xml, nothing else. */
function serve(folder: string): Promise<{ server: Server; port: number; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    const name = /^\/linphone\/([0-9a-f]{32}\.xml)$/.exec(req.url ?? '')?.[1];
    let body: Buffer | null;
    try {
      body = name ? readFileSync(join(folder, name)) : null;
    } catch {
      body = null;
    }
    if (body === null) res.writeHead(404).end();
    else res.writeHead(200, { 'content-type': 'application/xml' }).end(body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port, hits })));
}

/** The lines of liblinphone's log that tell what happened to the registration. */
function logTail(log: string): string {
  return log
    .split('\n')
    .filter((l) => /REGISTER|SIP\/2\.0 \d|egistration|provision|remote|error/i.test(l))
    .slice(-40)
    .join('\n');
}

describe.skipIf(skip)(`Linphone provisioned from a setup card registers on Kamailio${skip ? ` (${why})` : ''}`, () => {
  let acme: Tenant;
  let kamailio: RunningKamailio | null = null;
  let http: Awaited<ReturnType<typeof serve>> | null = null;

  beforeAll(async () => {
    const dbUrl = await createDatabase({ kamailio: true });
    acme = acmeTenant(dbUrl);
    const apply = pbxsync(['apply', 'tenant.yaml', '--auto-approve'], { cwd: acme.dir, env: acme.env });
    expect(apply.status, apply.stderr).toBe(0);
    kamailio = await startKamailio(dbUrl, { perTest: false });
    http = await serve(join(acme.dir, 'provisioning'));
    // The phones register with this Kamailio: the tenant's phone setup says where it is.
    editTenantFile(join(acme.dir, 'tenant.yaml'), (doc) => {
      doc.setIn(['spreadsheet', 'phone_setup', 'registrar'], '127.0.0.1');
      doc.setIn(['spreadsheet', 'phone_setup', 'transport'], 'udp');
      doc.setIn(['spreadsheet', 'phone_setup', 'port'], kamailio!.sipPort);
      doc.set('provisioning', doc.createNode({ folder: 'provisioning', url: `http://127.0.0.1:${http!.port}/linphone/{token}.xml` }));
    });
    const cards = pbxsync(['cards', 'tenant.yaml'], { cwd: acme.dir, env: acme.env });
    expect(cards.status, cards.stderr).toBe(0);
  });

  afterAll(async () => {
    http?.server.close();
    await kamailio?.stop();
    await dropDatabases();
  });

  /** The Linphone code on the user's card, as a phone's camera would read it. */
  function codeOnCard(username: string): string {
    const page = join(tempDir('page-'), 'p');
    expect(spawnSync('pdftoppm', ['-png', '-r', '150', '-singlefile', join(acme.dir, 'acme-cards', `${username}.pdf`), page]).status).toBe(0);
    const url = spawnSync('zbarimg', ['-q', '--raw', `${page}.png`], { encoding: 'utf8' }).stdout.trim();
    expect(url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${http!.port}/linphone/[0-9a-f]{32}\\.xml$`));
    return url;
  }

  /**
   * A fresh linphonec that knows only the provisioning URL (`[misc] config-uri`, what scanning
   * the code does) and ports of its own; once its account is registered (bounded), runs
   * `registered` (the phone unregisters when it quits).
   */
  async function registerWith(url: string, registered: () => Promise<void>): Promise<void> {
    const home = tempDir('linphone-');
    // liblinphone stops short of starting (no provisioning, no registration) when it cannot open its database.
    mkdirSync(join(home, '.local', 'share', 'linphone'), { recursive: true });
    const rc = join(home, 'linphonerc');
    writeFileSync(rc, ['[misc]', `config-uri=${url}`, '', '[sip]', 'sip_port=-1', 'sip_tcp_port=0', 'sip_tls_port=0', ''].join('\n'));
    const phone = track(
      spawn(LINPHONEC, ['-c', rc, '-d', '4'], { env: { PATH: process.env.PATH, HOME: home }, stdio: ['pipe', 'pipe', 'pipe'], detached: true }),
    );
    let out = '';
    const registration = new Promise<void>((resolve, reject) => {
      const seen = (d: Buffer) => {
        out += d.toString();
        // liblinphone's log (on stdout with -d and no -l) says when the account's state changes.
        if (/moving from state \[\w+\] to \[LinphoneRegistrationOk\]/.test(out)) resolve();
        if (/to \[LinphoneRegistrationFailed\]/.test(out)) reject(new Error(`registration failed:\n${logTail(out)}`));
      };
      phone.stdout.on('data', seen);
      phone.stderr.on('data', seen);
      phone.once('exit', (code) => reject(new Error(`linphonec exited with ${code}:\n${logTail(out)}`)));
      // Bounded: a phone that never registers fails with what it and Kamailio said.
      const late = setTimeout(
        () => reject(new Error(`no registration within 40s:\n${logTail(out)}\n--- kamailio ---\n${kamailio!.log().slice(-3000)}`)),
        40_000,
      );
      phone.once('exit', () => clearTimeout(late));
    });
    try {
      await registration;
      await registered();
    } finally {
      phone.stdin.end('quit\n');
      await new Promise<void>((resolve) => {
        if (phone.exitCode !== null || phone.signalCode !== null) return resolve();
        const late = setTimeout(() => (phone.kill('SIGKILL'), resolve()), 10_000);
        phone.once('exit', () => (clearTimeout(late), resolve()));
      });
    }
  }

  async function contacts(username: string): Promise<string> {
    return JSON.stringify((await jsonRpc(kamailio!.rpcUrl, 'ul.lookup', ['location', `${username}@acme.com`])).body);
  }

  it("linphonec, given only the URL from the card, fetches the file and registers with the user's credentials", { timeout: 90_000 }, async () => {
    const url = codeOnCard('grace.hopper');
    await registerWith(url, async () => {
      expect(http!.hits).toContain(new URL(url).pathname);
      expect(await contacts('grace.hopper'), kamailio!.log().slice(-2000)).toContain('sip:grace.hopper@');
    });
  });

  it('after a rotation the old code leads nowhere, and the new card registers with the new password', { timeout: 120_000 }, async () => {
    const old = codeOnCard('grace.hopper');
    editTenantFile(join(acme.dir, 'tenant.yaml'), (doc) => doc.setIn(['users', 'grace.hopper@acme.com', 'generation'], 2));
    const apply = pbxsync(['apply', 'tenant.yaml', '--auto-approve'], { cwd: acme.dir, env: acme.env });
    expect(apply.status, apply.stderr).toBe(0);
    const cards = pbxsync(['cards', 'tenant.yaml'], { cwd: acme.dir, env: acme.env });
    expect(cards.status, cards.stderr).toBe(0);
    expect(cards.stderr).toContain('3 written, 64 unchanged, 1 removed');
    const status = await new Promise<number>((resolve, reject) => get(old, (res) => (res.resume(), resolve(res.statusCode ?? 0))).on('error', reject));
    expect(status).toBe(404);
    const url = codeOnCard('grace.hopper');
    expect(url).not.toBe(old);
    await registerWith(url, async () => {
      expect(http!.hits).toContain(new URL(url).pathname);
      expect(await contacts('grace.hopper')).toContain('sip:grace.hopper@');
    });
  });
});
