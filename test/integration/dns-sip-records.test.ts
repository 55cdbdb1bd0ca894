/**
 * checkSipRecords against a real dnsmasq: SRV records (by name, or by address under another
 * name) and A/AAAA records that reach the registrar give no warning; records that point
 * elsewhere, no records at all, and lookups that fail give one line each; no registrar, no
 * check at all.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkSipRecords } from '../../src/dns/sip-records.js';
import { DNSMASQ_SKIP, freeUdpPort, startDnsmasq, startServfailDnsmasq, type Dnsmasq } from '../support/dnsmasq.js';

const REGISTRAR = ['sip.isp.test'];

describe.skipIf(DNSMASQ_SKIP !== undefined)('SIP records check (dnsmasq)', () => {
  let dns: Dnsmasq;
  const at = () => ({ servers: [dns.server], timeoutMs: 2000 });

  beforeEach(async () => {
    dns = await startDnsmasq([
      '--local=/test/',
      '--host-record=sip.isp.test,192.0.2.7,2001:db8::7',
      // By name: the SRV target is the registrar.
      '--srv-host=_sip._udp.byname.test,sip.isp.test,5060,10,0',
      // By address: the SRV target is the customer's own name for the registrar's address.
      '--srv-host=_sips._tcp.byaddress.test,pbx.byaddress.test,5061,10,0',
      '--host-record=pbx.byaddress.test,192.0.2.7',
      // No SRV; the domain's own address is the registrar's (IPv6 only).
      '--host-record=aonly.test,2001:db8::7',
      // Everything points elsewhere.
      '--srv-host=_sip._udp.elsewhere.test,pbx.other.test,5060,10,0',
      '--srv-host=_sip._tcp.elsewhere.test,.,0,0,0',
      '--host-record=pbx.other.test,198.51.100.1',
      '--host-record=elsewhere.test,198.51.100.2',
    ]);
  });
  afterEach(async () => dns?.stop());

  it('no warning when an SRV record names the registrar', async () => {
    expect(await checkSipRecords('byname.test', REGISTRAR, at())).toEqual([]);
  });

  it("no warning when an SRV target resolves to the registrar's address", async () => {
    expect(await checkSipRecords('byaddress.test', REGISTRAR, at())).toEqual([]);
  });

  it("no warning when the domain's own AAAA is the registrar's (addresses compared in one spelling)", async () => {
    expect(await checkSipRecords('aonly.test', REGISTRAR, at())).toEqual([]);
    expect(await checkSipRecords('aonly.test', ['2001:DB8:0::7'], at())).toEqual([]);
  });

  it('warns, naming what each record points at, when everything points elsewhere', async () => {
    const warnings = await checkSipRecords('elsewhere.test', REGISTRAR, at());
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('no SIP record of elsewhere.test points at the registrar (sip.isp.test)');
    expect(warnings[0]).toContain('_sip._udp.elsewhere.test SRV → pbx.other.test:5060');
    expect(warnings[0]).toContain('_sip._tcp.elsewhere.test SRV → . (service not offered)');
    expect(warnings[0]).toContain('elsewhere.test A → 198.51.100.2');
    expect(warnings[0]).toContain('"_sip._udp.elsewhere.test. 3600 IN SRV 10 0 5060 sip.isp.test."');
    expect(warnings[0]).not.toContain('\n');
  });

  it('warns when the domain has no SIP record at all', async () => {
    const warnings = await checkSipRecords('nothing.test', REGISTRAR, at());
    expect(warnings).toEqual([expect.stringContaining('it has no _sip._udp, _sip._tcp, _sips._tcp SRV record and no A/AAAA record')]);
  });

  it('says the records could not be checked when lookups fail, and never throws', async () => {
    const closed = `127.0.0.1:${await freeUdpPort()}`;
    const warnings = await checkSipRecords('byname.test', REGISTRAR, { servers: [closed], timeoutMs: 1000 });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^the SIP records of byname\.test could not be checked: .*_sip\._udp\.byname\.test SRV: 127\.0\.0\.1:\d+ refused the query/);
  });

  it('says the check is incomplete when some lookups fail (the registrar under a zone that SERVFAILs)', async () => {
    const bad = await startServfailDnsmasq('signed.test', ['--local=/test/', '--host-record=partly.test,198.51.100.3']);
    try {
      const warnings = await checkSipRecords('partly.test', ['sip.signed.test'], { servers: [bad.server], timeoutMs: 2000 });
      expect(warnings).toHaveLength(2);
      expect(warnings[0]).toContain('no SIP record of partly.test points at the registrar (sip.signed.test): partly.test A → 198.51.100.3');
      expect(warnings[1]).toContain(`the SIP records check of partly.test is incomplete: sip.signed.test A: ${bad.server} answered SERVFAIL`);
    } finally {
      await bad.stop();
    }
  });

  it('a registrar lookup that fails does not hide that the domain has no SIP record', async () => {
    const bad = await startServfailDnsmasq('signed.test', ['--local=/nothing.test/']);
    try {
      const warnings = await checkSipRecords('nothing.test', ['sip.signed.test'], { servers: [bad.server], timeoutMs: 2000 });
      expect(warnings).toEqual([
        expect.stringContaining('no SIP record of nothing.test points at the registrar (sip.signed.test): it has no _sip._udp'),
        expect.stringContaining(`the SIP records check of nothing.test is incomplete: sip.signed.test A: ${bad.server} answered SERVFAIL`),
      ]);
    } finally {
      await bad.stop();
    }
  });

  it('no registrar configured: no check, no query', async () => {
    const closed = `127.0.0.1:${await freeUdpPort()}`;
    expect(await checkSipRecords('nothing.test', [], { servers: [closed], timeoutMs: 1000 })).toEqual([]);
  });
});
