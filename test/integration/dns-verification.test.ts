/**
 * lookupVerification and verifyDomain against a real dnsmasq: every outcome a customer's DNS
 * can give (the record, no name, a name without TXT, other TXT records, another token, a
 * split value, several records, a CNAME) and every way a server can fail (SERVFAIL, REFUSED,
 * a timeout, a refused connection), each with the server named.
 */
import { Resolver } from 'node:dns/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verificationRecord } from '../../src/credentials/domain-token.js';
import { lookupVerification } from '../../src/dns/verification-lookup.js';
import { verifyDomain } from '../../src/dns/verify-domain.js';
import { DEFAULT_POLICY } from '../../src/policy/isp-policy.js';
import { DNSMASQ_SKIP, freeUdpPort, silentUdpServer, startDnsmasq, startServfailDnsmasq, type Dnsmasq } from '../support/dnsmasq.js';

const KEY = Buffer.alloc(32, 7);
const record = (domain: string) => verificationRecord(KEY, domain);
const value = (domain: string) => record(domain).value;

describe.skipIf(DNSMASQ_SKIP !== undefined)('domain verification lookups (dnsmasq)', () => {
  let dns: Dnsmasq;
  const at = () => ({ servers: [dns.server], timeoutMs: 2000 });

  // A fresh dnsmasq per test: test/support/setup.ts stops every process after each test.
  beforeEach(async () => {
    dns = await startDnsmasq([
      // Everything under .test is local: a name dnsmasq has no record for is NXDOMAIN.
      '--local=/test/',
      `--txt-record=_pbxsync.ok.test,${value('ok.test')}`,
      '--host-record=_pbxsync.notxt.test,192.0.2.1',
      '--txt-record=_pbxsync.other.test,v=spf1 -all',
      `--txt-record=_pbxsync.wrong.test,${value('ok.test')}`,
      `--txt-record=_pbxsync.quoted.test,"${value('quoted.test')}"`,
      // One record, two strings: how a provider may store a value.
      `--txt-record=_pbxsync.split.test,${value('split.test').slice(0, 14)},${value('split.test').slice(14)}`,
      '--txt-record=_pbxsync.multi.test,v=spf1 -all',
      '--txt-record=_pbxsync.multi.test,google-site-verification=abc',
      `--txt-record=_pbxsync.multi.test,${value('multi.test')}`,
      `--txt-record=_pbxsync.target.test,${value('alias.test')}`,
      '--cname=_pbxsync.alias.test,_pbxsync.target.test',
    ]);
  });
  afterEach(async () => dns?.stop());

  it('verifies the record', async () => {
    const r = await lookupVerification(record('ok.test'), at());
    expect(r).toMatchObject({ state: 'verified', server: dns.server });
    expect(r.detail).toBe(`_pbxsync.ok.test has the record (answer from ${dns.server})`);
  });

  it('a name that does not exist is missing (NXDOMAIN)', async () => {
    const r = await lookupVerification(record('absent.test'), at());
    expect(r).toMatchObject({ state: 'missing', reason: 'nxdomain' });
    expect(r.detail).toContain(`_pbxsync.absent.test does not exist (NXDOMAIN from ${dns.server})`);
  });

  it('a name with no TXT record is missing', async () => {
    expect(await lookupVerification(record('notxt.test'), at())).toMatchObject({ state: 'missing', reason: 'no-txt' });
  });

  it('TXT records without the prefix are missing, and are listed', async () => {
    const r = await lookupVerification(record('other.test'), at());
    expect(r).toMatchObject({ state: 'missing', reason: 'no-verification-txt', found: ['v=spf1 -all'] });
    expect(r.detail).toContain('has a TXT record, none with pbxsync-verification=');
  });

  it("another domain's token is a wrong value, and says where it probably came from", async () => {
    const r = await lookupVerification(record('wrong.test'), at());
    expect(r).toMatchObject({ state: 'wrong-value', found: [value('ok.test')] });
    expect(r.detail).toContain('a token for another domain or from another ISP');
  });

  it('the right token typed with quotes is a wrong value that says so', async () => {
    const r = await lookupVerification(record('quoted.test'), at());
    expect(r.state).toBe('wrong-value');
    expect(r.detail).toContain('the right token but with extra quotes');
  });

  it('joins the strings of one record', async () => {
    const raw = new Resolver();
    raw.setServers([dns.server]);
    expect((await raw.resolveTxt('_pbxsync.split.test'))[0]).toHaveLength(2); // the test tests a split value
    expect(await lookupVerification(record('split.test'), at())).toMatchObject({ state: 'verified' });
  });

  it('any one of several TXT records verifies', async () => {
    expect(await lookupVerification(record('multi.test'), at())).toMatchObject({ state: 'verified' });
  });

  it('follows a CNAME to the record', async () => {
    expect(await lookupVerification(record('alias.test'), at())).toMatchObject({ state: 'verified' });
  });

  it('a server that knows no answer (REFUSED) is a failure, not "missing"', async () => {
    const r = await lookupVerification(record('acme.example'), at());
    expect(r).toMatchObject({ state: 'failure', failures: [{ server: dns.server, code: 'EREFUSED' }] });
    expect(r.detail).toBe(`no DNS server answered for _pbxsync.acme.example TXT: ${dns.server} answered REFUSED (it does not resolve this name for us)`);
  });

  it('SERVFAIL is a failure at the server that gave it', async () => {
    const bad = await startServfailDnsmasq('signed.test');
    try {
      const r = await lookupVerification(record('signed.test'), { servers: [bad.server], timeoutMs: 2000 });
      expect(r).toMatchObject({ state: 'failure', failures: [{ server: bad.server, code: 'ESERVFAIL' }] });
      expect(r.detail).toContain(`${bad.server} answered SERVFAIL`);
    } finally {
      await bad.stop();
    }
  });

  it('a server that never answers times out within the limit', async () => {
    const silent = await silentUdpServer();
    try {
      const started = Date.now();
      const r = await lookupVerification(record('ok.test'), { servers: [silent.server], timeoutMs: 400 });
      const took = Date.now() - started;
      expect(r).toMatchObject({ state: 'failure', failures: [{ server: silent.server, code: 'ETIMEOUT' }] });
      expect(r.detail).toContain(`${silent.server} did not answer within 400ms`);
      expect(took).toBeGreaterThanOrEqual(350);
      expect(took).toBeLessThan(400 + 150);
      expect(silent.received()).toBeGreaterThanOrEqual(1);
    } finally {
      silent.close();
    }
  }, 2000);

  it('a port nothing listens on is a failure (connection refused)', async () => {
    const server = `127.0.0.1:${await freeUdpPort()}`;
    const r = await lookupVerification(record('ok.test'), { servers: [server], timeoutMs: 2000 });
    expect(r).toMatchObject({ state: 'failure', failures: [{ server, code: 'ECONNREFUSED' }] });
  });

  it('moves on to the next server after a failure, and names each failed one when all fail', async () => {
    const closed = `127.0.0.1:${await freeUdpPort()}`;
    expect(await lookupVerification(record('ok.test'), { servers: [closed, dns.server], timeoutMs: 2000 })).toMatchObject({
      state: 'verified',
      server: dns.server,
    });
    const r = await lookupVerification(record('acme.example'), { servers: [closed, dns.server], timeoutMs: 2000 });
    expect(r.state === 'failure' && r.failures.map((f) => [f.server, f.code])).toEqual([
      [closed, 'ECONNREFUSED'],
      [dns.server, 'EREFUSED'],
    ]);
  });

  it('verifyDomain: the ISP namespace needs no lookup; otherwise the policy servers are asked', async () => {
    const closed = `127.0.0.1:${await freeUdpPort()}`;
    const policy = { ...DEFAULT_POLICY, namespaces: ['voice.example.net'], dns: { servers: [dns.server], timeoutMs: 2000 } };
    const inside = await verifyDomain(KEY, 'acme.voice.example.net', { ...policy, dns: { servers: [closed], timeoutMs: 2000 } });
    expect(inside).toMatchObject({ state: 'namespace', namespace: 'voice.example.net', record: record('acme.voice.example.net') });
    expect(inside.lookup).toBeUndefined();
    expect(await verifyDomain(KEY, 'ok.test', policy)).toMatchObject({ state: 'verified', record: record('ok.test') });
    expect(await verifyDomain(KEY, 'ok.test', policy, [closed])).toMatchObject({ state: 'failure' });
  });
});
