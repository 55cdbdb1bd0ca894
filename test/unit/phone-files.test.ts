/**
 * The desk phones' provisioning files parse in their vendors' formats and hold the account:
 * Yealink's key = value lines under its version header, Polycom's and Grandstream's XML read
 * back with a real XML parser; MACs normalise, and bad or repeated ones are errors with positions.
 */
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { checkTenantText } from '../../src/config/load-tenant.js';
import { formatProblem } from '../../src/config/problem.js';
import { normaliseMac } from '../../src/phones/mac.js';
import { phoneFile, polycomMaster, type PhoneAccount } from '../../src/phones/provisioning-files.js';
import type { PhoneSetup } from '../../src/model/tenant-config.js';
import { writePhoneFiles } from '../../src/phones/write-phone-files.js';
import { tempDir } from '../support/tmp.js';

const account: PhoneAccount = {
  displayName: 'Zoë <"R&D"> O\'Brien',
  extension: '1007',
  username: 'zoe.obrien',
  domain: 'acme.com',
  sipPassword: 'S3cret-p4ss_word',
};
const tls: PhoneSetup = { registrar: 'sip.acme.com', transport: 'tls', port: 5061 };

/** Yealink's format: the header line, then `key = value` lines (and `#` comments). */
function parseYealink(text: string): { header: string; values: Record<string, string> } {
  const [header = '', ...lines] = text.split('\n');
  const values: Record<string, string> = {};
  for (const l of lines) {
    if (l === '' || l.startsWith('#')) continue;
    const m = /^([a-z0-9_.]+) = (.*)$/.exec(l);
    if (!m) throw new Error(`not a key = value line: ${l}`);
    values[m[1]!] = m[2]!;
  }
  return { header, values };
}

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false, parseAttributeValue: false });
function parseXml(text: string): Record<string, unknown> {
  expect(XMLValidator.validate(text)).toBe(true);
  return xml.parse(text) as Record<string, unknown>;
}

describe('provisioning file formats', () => {
  it('Yealink <mac>.cfg: version header, account 1 with the server, port and transport', () => {
    const f = phoneFile('yealink', '001565aabbcc', account, tls);
    expect(f.name).toBe('001565aabbcc.cfg');
    const { header, values } = parseYealink(f.content);
    expect(header).toBe('#!version:1.0.0.1');
    expect(values).toMatchObject({
      'account.1.enable': '1',
      'account.1.label': '1007',
      'account.1.display_name': 'Zoë <"R&D"> O\'Brien',
      'account.1.auth_name': 'zoe.obrien',
      'account.1.user_name': 'zoe.obrien',
      'account.1.password': 'S3cret-p4ss_word',
      'account.1.sip_server.1.address': 'sip.acme.com',
      'account.1.sip_server.1.port': '5061',
      'account.1.sip_server.1.transport_type': '2',
      'account.1.outbound_proxy_enable': '0',
    });
  });

  it('a display name cannot add lines to a Yealink file', () => {
    const f = phoneFile('yealink', '001565aabbcc', { ...account, displayName: 'Eve\naccount.1.password = x' }, { ...tls, transport: 'udp', port: 5060 });
    const { values } = parseYealink(f.content);
    expect(values['account.1.password']).toBe('S3cret-p4ss_word');
    expect(values['account.1.display_name']).toBe('Eve account.1.password = x');
    expect(values['account.1.sip_server.1.transport_type']).toBe('0');
  });

  it('Polycom <mac>-phone.cfg: reg.1 attributes; the master file lists it by [PHONE_MAC_ADDRESS]', () => {
    const f = phoneFile('polycom', '0004f2aabbcc', account, { ...tls, outboundProxy: 'edge.acme.com:5081' });
    expect(f.name).toBe('0004f2aabbcc-phone.cfg');
    const reg = (parseXml(f.content).polycomConfig as { reg: Record<string, string> }).reg;
    expect(reg).toEqual({
      '@reg.1.address': 'zoe.obrien@acme.com',
      '@reg.1.displayName': 'Zoë <"R&D"> O\'Brien',
      '@reg.1.label': '1007',
      '@reg.1.auth.userId': 'zoe.obrien',
      '@reg.1.auth.password': 'S3cret-p4ss_word',
      '@reg.1.server.1.address': 'sip.acme.com',
      '@reg.1.server.1.port': '5061',
      '@reg.1.server.1.transport': 'TLS',
      '@reg.1.outboundProxy.address': 'edge.acme.com',
      '@reg.1.outboundProxy.port': '5081',
    });
    const master = polycomMaster();
    expect(master.name).toBe('000000000000.cfg');
    expect((parseXml(master.content).APPLICATION as Record<string, string>)['@CONFIG_FILES']).toBe('[PHONE_MAC_ADDRESS]-phone.cfg');
  });

  it('Grandstream cfg<mac>.xml: gs_provision with the P-values of account 1', () => {
    const f = phoneFile('grandstream', '000b82aabbcc', account, { registrar: 'sip.acme.com', transport: 'tcp', port: 5060 });
    expect(f.name).toBe('cfg000b82aabbcc.xml');
    const doc = parseXml(f.content).gs_provision as { mac: string; config: Record<string, string> };
    expect(doc.mac).toBe('000b82aabbcc');
    expect(doc.config).toMatchObject({
      P271: '1',
      P270: '1007',
      P47: 'sip.acme.com:5060',
      P35: 'zoe.obrien',
      P36: 'zoe.obrien',
      P34: 'S3cret-p4ss_word',
      P3: 'Zoë <"R&D"> O\'Brien',
      P130: '1',
    });
  });
});

describe('MAC addresses', () => {
  it('normalise to 12 lower-case hex digits, whatever the separators', () => {
    for (const t of ['00:15:65:AA:BB:CC', '00-15-65-aa-bb-cc', '0015.65aa.bbcc', '001565AABBCC', ' 001565aabbcc '])
      expect(normaliseMac(t)).toBe('001565aabbcc');
    for (const t of ['00:15:65:AA:BB', '00:15-65:AA:BB:CC', '001565aabbcg', '00155:65:AA:BB:CC', '']) expect(normaliseMac(t)).toBeNull();
  });

  const tenant = (users: string) => `tenant: acme
domain: acme.com
source: { type: snapshot, path: directory.json }
pbx: { url: 'sqlite:pbx.sqlite' }
extensions: { start: 1001 }
users:
${users}`;
  const problems = (text: string) => checkTenantText(text, 'acme.yaml', '/tmp/acme/acme.yaml', {}).problems.map(formatProblem);

  it('a bad, an unusable, a repeated and a cross-spelled MAC are errors at their positions', () => {
    const text = tenant(`  alice@acme.com:
    phones:
      - { mac: "00:15:65:AA:BB:CC", model: yealink }
      - { mac: "00:15:65:AA:BB", model: yealink }
  bob@acme.com:
    phones:
      - mac: 001565aabbcc
        model: polycom
      - { mac: "01:00:5e:00:00:01", model: grandstream }
      - { mac: "00-0B-82-11-22-33", model: grandstream }
      - { mac: "000b82112233", model: grandstream }
`);
    expect(problems(text)).toEqual([
      "acme.yaml:10:16: error: MAC address '00:15:65:AA:BB' of users.alice@acme.com is not a MAC address\n  hint: write 12 hex digits, with or without : or - between pairs, e.g. 00:15:65:aa:bb:cc or 001565aabbcc",
      "acme.yaml:13:14: error: MAC address '001565aabbcc' is already given at users.alice@acme.com.phones[0].mac\n  hint: a phone registers one account: give each MAC once (spelling and case do not matter)",
      "acme.yaml:15:16: error: MAC address '01:00:5e:00:00:01' of users.bob@acme.com is a multicast address (its first octet is odd)\n  hint: copy the MAC from the phone's label or its status screen",
      "acme.yaml:17:16: error: MAC address '000b82112233' is already given at users.bob@acme.com.phones[2].mac\n  hint: a phone registers one account: give each MAC once (spelling and case do not matter)",
    ]);
  });

  it('an unknown model is a schema error at its position; wss with desk phones is refused', () => {
    expect(problems(tenant(`  alice@acme.com:\n    phones: [{ mac: 001565aabbcc, model: cisco }]\n`)).join('\n')).toMatch(/^acme\.yaml:8:\d+: error: .*model/);
    const wss = `${tenant(`  alice@acme.com:\n    phones: [{ mac: 001565aabbcc, model: yealink }]\n`)}spreadsheet: { phone_setup: { transport: wss } }\n`;
    expect(problems(wss)).toEqual([expect.stringMatching(/^acme\.yaml:9:\d+: error: desk phones \(users\.X\.phones\) cannot register over wss/)]);
  });
});

describe('the phones folder', () => {
  const yealink = phoneFile('yealink', '001565aabbcc', account, tls);
  const grandstream = phoneFile('grandstream', '000b82aabbcc', account, tls);

  it('gets the files 0600, rewrites only changed ones, removes unwanted provisioning files only', () => {
    const dir = join(tempDir(), 'phones');
    expect(writePhoneFiles(dir, 'acme', [yealink, grandstream])).toEqual({ written: ['001565aabbcc.cfg', 'cfg000b82aabbcc.xml'], removed: [], unchanged: 0 });
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const n of readdirSync(dir)) expect({ n, mode: statSync(join(dir, n)).mode & 0o777 }).toEqual({ n, mode: 0o600 });
    writeFileSync(join(dir, 'README.txt'), 'not ours');
    const changed = phoneFile('yealink', '001565aabbcc', { ...account, sipPassword: 'N3w-password-2' }, tls);
    expect(writePhoneFiles(dir, 'acme', [changed])).toEqual({ written: ['001565aabbcc.cfg'], removed: ['cfg000b82aabbcc.xml'], unchanged: 0 });
    expect(writePhoneFiles(dir, 'acme', [changed])).toEqual({ written: [], removed: [], unchanged: 1 });
    expect(readdirSync(dir).sort()).toEqual(['.pbxsync-tenant', '001565aabbcc.cfg', 'README.txt']);
  });

  it("is one tenant's: another tenant, or a folder with files pbxsync did not write, is refused untouched", () => {
    const dir = join(tempDir(), 'phones');
    writePhoneFiles(dir, 'acme', [yealink]);
    expect(() => writePhoneFiles(dir, 'globex', [])).toThrow(/belongs to tenant acme/);
    expect(readdirSync(dir).sort()).toEqual(['.pbxsync-tenant', '001565aabbcc.cfg']);
    const other = tempDir();
    writeFileSync(join(other, '0004f2000001.cfg'), 'made by hand');
    expect(() => writePhoneFiles(other, 'acme', [])).toThrow(/holds provisioning files pbxsync did not write \(0004f2000001\.cfg\)/);
    expect(readdirSync(other)).toEqual(['0004f2000001.cfg']);
  });
});
