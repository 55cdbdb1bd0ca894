/**
 * `pbxsync domain verify` as a user runs it (the built CLI), against a real dnsmasq given with
 * `--dns-server`: the record is printed, then verified (exit 0), not found or wrong (exit 1,
 * with what to do), a DNS failure (exit 1, no stack), a domain in the ISP's namespace (exit 0,
 * no query), the ISP configuration's servers and the SIP records warning; `--wait` succeeds
 * once dnsmasq is restarted with the record while the command waits.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verificationRecord } from '../../src/credentials/domain-token.js';
import { parseKey } from '../../src/credentials/master-key.js';
import { editTenantFile } from '../support/big-tenant.js';
import { exampleTenant, pbxsync } from '../support/cli.js';
import { pbxsyncAsync } from '../support/cli-async.js';
import { DNSMASQ_SKIP, freeUdpPort, startDnsmasq, startServfailDnsmasq } from '../support/dnsmasq.js';
import { testIspYaml } from '../support/isp.js';
import { startPbxsync } from '../support/spawn-cli.js';
import { tempDir } from '../support/tmp.js';

const DOMAIN = 'acme.com'; // examples/acme

/** The example tenant, under an ISP configuration without the tests' namespaces: acme.com needs its record here. */
function tenant() {
  const example = exampleTenant();
  const dir = example.dir;
  const env: NodeJS.ProcessEnv = { ...example.env, PBXSYNC_ISP_CONFIG: ispConfig('') };
  const keyText = readFileSync(env.PBXSYNC_MASTER_KEY_FILE!, 'utf8');
  const record = verificationRecord(parseKey(keyText, 'test'), DOMAIN);
  return { dir, env, keyText: keyText.trim(), record, file: join(dir, 'tenant.yaml') };
}

/** An ISP configuration with more sections, for the tests that need one. */
function ispConfig(extra: string): string {
  const path = join(tempDir('isp-'), 'isp.yaml');
  writeFileSync(path, `${testIspYaml(extra, [])}\n`);
  return path;
}

const LOCAL = `--local=/${DOMAIN}/`; // names of the domain that dnsmasq has no record for are NXDOMAIN

describe.skipIf(DNSMASQ_SKIP !== undefined)('pbxsync domain verify (dnsmasq)', () => {
  it('prints the record to create and exits 0 when it is there', async () => {
    const t = tenant();
    const dns = await startDnsmasq([LOCAL, `--txt-record=${t.record.name},${t.record.value}`]);
    const r = await pbxsyncAsync(['domain', 'verify', t.file, '--dns-server', dns.server], { cwd: t.dir, env: t.env });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`  _pbxsync.acme.com TXT "${t.record.value}"\n`);
    expect(r.stdout).toContain(`zone file line: _pbxsync.acme.com. 3600 IN TXT "${t.record.value}"\n`);
    expect(r.stdout).toContain(`Verified: _pbxsync.acme.com has the record (answer from ${dns.server}).\n`);
    expect(r.stdout + r.stderr).not.toContain(t.keyText);
  });

  it('exits 1 when the record is missing, with the record and who creates it', async () => {
    const t = tenant();
    const dns = await startDnsmasq([LOCAL]);
    const r = await pbxsyncAsync(['domain', 'verify', t.file, '--dns-server', dns.server], { cwd: t.dir, env: t.env });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`_pbxsync.acme.com TXT "${t.record.value}"`);
    expect(r.stdout).toContain(`Not found: _pbxsync.acme.com does not exist (NXDOMAIN from ${dns.server}).\n`);
    expect(r.stdout).toMatch(
      /^Next: the customer's DNS admin creates the record above in the zone of acme\.com; .*TTL.*; to wait for it: pbxsync domain verify .* --wait 1h\.$/m,
    );
  });

  it("exits 1 on another domain's token, saying so", async () => {
    const t = tenant();
    const other = verificationRecord(parseKey(t.keyText, 'test'), 'globex.com');
    const dns = await startDnsmasq([LOCAL, `--txt-record=${t.record.name},${other.value}`]);
    const r = await pbxsyncAsync(['domain', 'verify', t.file, '--dns-server', dns.server], { cwd: t.dir, env: t.env });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`Wrong value: _pbxsync.acme.com has "${other.value}" instead, a token for another domain or from another ISP's key`);
  });

  it('exits 1 on a DNS failure, naming the server, without a stack trace', async () => {
    const t = tenant();
    const closed = `127.0.0.1:${await freeUdpPort()}`;
    const r = await pbxsyncAsync(['domain', 'verify', t.file, '--dns-server', closed], { cwd: t.dir, env: t.env });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`DNS failure: no DNS server answered for _pbxsync.acme.com TXT: ${closed} refused the query`);
    expect(r.stdout).toContain('Next: this says nothing about the record');
    expect(r.stdout + r.stderr).not.toMatch(/\n\s+at /);
  });

  it("SERVFAIL: points at the domain's own DNS", async () => {
    const t = tenant();
    const bad = await startServfailDnsmasq(DOMAIN);
    const r = await pbxsyncAsync(['domain', 'verify', t.file, '--dns-server', bad.server], { cwd: t.dir, env: t.env });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`DNS failure: no DNS server answered for _pbxsync.acme.com TXT: ${bad.server} answered SERVFAIL`);
    expect(r.stdout).toMatch(/^Next: .*a SERVFAIL that persists points at the DNS of acme\.com itself .*: tell the customer's DNS admin; then check again\.$/m);
  });

  it('shows what a hostile TXT record holds without letting it act on the terminal', async () => {
    const t = tenant();
    // An OSC 52 (clipboard) sequence in the record, handed to dnsmasq as raw bytes.
    const dns = await startDnsmasq([LOCAL, `--txt-record=${t.record.name},pbxsync-verification=\u001b]52;c;cHduZWQ=\u0007`]);
    const r = await pbxsyncAsync(['domain', 'verify', t.file, '--dns-server', dns.server], { cwd: t.dir, env: t.env });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('Wrong value: _pbxsync.acme.com has "pbxsync-verification=\\u001b]52;c;cHduZWQ=');
    expect(r.stdout).not.toContain('\u001b');
  });

  it('refuses a malformed --dns-server in one line', async () => {
    const t = tenant();
    const r = await pbxsyncAsync(['domain', 'verify', t.file, '--dns-server', 'not a server'], { cwd: t.dir, env: t.env });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: option '--dns-server <host:port>' argument 'not a server' is invalid\. write host or host:port/);
  });

  it("a domain under the ISP's namespace needs no record and asks no DNS server", async () => {
    const t = tenant();
    const closed = `127.0.0.1:${await freeUdpPort()}`;
    const env = { ...t.env, PBXSYNC_ISP_CONFIG: ispConfig('namespaces: [acme.com]') };
    const r = await pbxsyncAsync(['domain', 'verify', t.file, '--dns-server', closed], { cwd: t.dir, env });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("No record needed: acme.com is under the ISP's namespace acme.com, so it needs no verification record.\nNext: nothing to do.\n");
  });

  it("asks the ISP configuration's servers, and --dns-server overrides them; warns when no SIP record reaches the registrar", async () => {
    const t = tenant();
    const dns = await startDnsmasq([LOCAL, `--txt-record=${t.record.name},${t.record.value}`, '--local=/isp.test/', '--host-record=sip.isp.test,192.0.2.7']);
    const closed = `127.0.0.1:${await freeUdpPort()}`;
    const env = { ...t.env, PBXSYNC_ISP_CONFIG: ispConfig(`dns:\n  servers: ["${dns.server}"]\n  timeout_seconds: 2\nregistrar:\n  hosts: [sip.isp.test]`) };
    const viaIsp = await pbxsyncAsync(['domain', 'verify', t.file], { cwd: t.dir, env });
    expect(viaIsp.status).toBe(0);
    expect(viaIsp.stdout).toContain(`(answer from ${dns.server})`);
    expect(viaIsp.stderr).toMatch(
      /^warning: no SIP record of acme\.com points at the registrar \(sip\.isp\.test\): it has no _sip\._udp, _sip\._tcp, _sips\._tcp SRV record and no A\/AAAA record; .*\n$/,
    );
    const overridden = await pbxsyncAsync(['domain', 'verify', t.file, '--dns-server', closed], { cwd: t.dir, env });
    expect(overridden.status).toBe(1);
    expect(overridden.stdout).toContain(`${closed} refused the query`);
  });

  it('needs no secret: an azure source whose client secret is not set yet', async () => {
    const t = tenant();
    editTenantFile(t.file, (doc) =>
      doc.set('source', {
        type: 'azure',
        tenant_id: 'contoso.onmicrosoft.com',
        client_id: '11111111-2222-3333-4444-555555555555',
        client_secret: '${ACME_GRAPH_SECRET}',
      }),
    );
    const dns = await startDnsmasq([LOCAL, `--txt-record=${t.record.name},${t.record.value}`]);
    const r = await pbxsyncAsync(['domain', 'verify', t.file, '--dns-server', dns.server], { cwd: t.dir, env: t.env });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('--wait succeeds once the record appears (dnsmasq restarted with it while the command waits)', async () => {
    const t = tenant();
    const before = await startDnsmasq([LOCAL]);
    const cli = startPbxsync(['domain', 'verify', t.file, '--dns-server', before.server, '--wait', '30s', '--poll-interval', '100ms'], {
      cwd: t.dir,
      env: t.env,
    });
    // The first check has been made and failed: the command says it is waiting.
    await cli.waitFor(/Not verified yet \(not found\); checking again for up to 30s/);
    await before.stop();
    await startDnsmasq([LOCAL, `--txt-record=${t.record.name},${t.record.value}`], before.port);
    const { code } = await cli.exited;
    expect(code).toBe(0);
    expect(cli.stdout()).toContain(`Verified: _pbxsync.acme.com has the record (answer from ${before.server}).`);
    // Not a terminal: one notice, no progress line.
    expect(cli.stderr()).toBe('Not verified yet (not found); checking again for up to 30s, every 100ms at first, then less often (up to every 1.2s).\n');
  }, 20_000);

  it('has help with examples', () => {
    const t = tenant();
    const r = pbxsync(['domain', 'verify', '--help'], { cwd: t.dir });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('--wait <duration>');
    expect(r.stdout).toContain('--dns-server <host:port>');
    expect(r.stdout).toContain('Examples:\n  $ pbxsync domain verify tenants/acme.yaml');
    expect(r.stdout).not.toContain('--poll-interval'); // for tests only
    expect(pbxsync(['--help'], { cwd: t.dir }).stdout).toMatch(/^ {2}domain\b/m);
  });

  it('--wait gives up when the time is up, with the last state', async () => {
    const t = tenant();
    const dns = await startDnsmasq([LOCAL]);
    const started = Date.now();
    const r = await pbxsyncAsync(['domain', 'verify', t.file, '--dns-server', dns.server, '--wait', '1s', '--poll-interval', '200ms'], {
      cwd: t.dir,
      env: t.env,
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^Not found after waiting 1s \(\d+ checks\): _pbxsync\.acme\.com does not exist/m);
    expect(Date.now() - started).toBeLessThan(10_000); // bounded by --wait (plus Node's start)
  }, 15_000);
});
