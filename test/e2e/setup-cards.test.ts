/**
 * Setup cards and softphone provisioning, end to end with the built CLI: apply writes a card
 * per person and one for the tenant (checked with poppler's pdfinfo/pdftotext, the QR codes
 * read back with zbar's zbarimg from pdftoppm's page image), Linphone files that parse and
 * hold the person's account, all 0600, byte-identical on a rerun; `pbxsync cards` rewrites
 * nothing; a rotation changes exactly that person's files and a leaver's are removed.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { beforeEach, describe, expect, it } from 'vitest';
import { digestHashes } from '../../src/credentials/derive.js';
import { exampleTenant, pbxsync } from '../support/cli.js';
import { rowStrings } from '../support/sheet-cells.js';
import { testIspYaml, writeTestIspConfig } from '../support/isp.js';
import { tempDir } from '../support/tmp.js';

const ispWithAcrobits = writeTestIspConfig('isp-acrobits.yaml', testIspYaml('acrobits:\n  cloud_id: EXAMPLEVOICE'));
let dir: string;
let env: NodeJS.ProcessEnv;
const run = (...args: string[]) => pbxsync(args, { cwd: dir, env });

const HEBREW = 'חנה לוי';
const ARABIC = 'ياسمين حداد';
// The example's phone setup: registrar sip.acme.com, TLS, port 5061.
const SETUP = `
cards:
  after_apply: true
  webphone_url: https://phone.voice.example.net
provisioning:
  folder: provisioning
  url: https://prov.voice.example.net/linphone/{token}.xml
  acrobits: true
`;

function tool(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.status} ${r.stderr}`);
  return r.stdout;
}

function editDirectory(edit: (users: Record<string, unknown>[]) => Record<string, unknown>[]): void {
  const file = join(dir, 'directory.json');
  const pages = JSON.parse(readFileSync(file, 'utf8')) as { value: Record<string, unknown>[] }[];
  for (const page of pages) page.value = edit(page.value);
  writeFileSync(file, JSON.stringify(pages, null, 2));
}

function rename(upn: string, displayName: string): void {
  editDirectory((users) => users.map((u) => (u.userPrincipalName === upn ? { ...u, displayName } : u)));
}

async function sheetRows(): Promise<Record<string, string>[]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(join(dir, 'acme-credentials.xlsx'));
  const ws = wb.getWorksheet('Subscribers')!;
  const header = rowStrings(ws.getRow(1));
  const rows: Record<string, string>[] = [];
  ws.eachRow((row, n) => {
    if (n > 1) rows.push(Object.fromEntries(header.map((h, i) => [h, rowStrings(row)[i]!])));
  });
  return rows.filter((r) => r.Status !== 'disabled');
}

/** Every file of the kit, by folder-relative name → sha256. */
function kitFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const folder of ['acme-cards', 'provisioning']) {
    for (const name of readdirSync(join(dir, folder)))
      files.set(
        `${folder}/${name}`,
        createHash('sha256')
          .update(readFileSync(join(dir, folder, name)))
          .digest('hex'),
      );
  }
  return files;
}

function changed(before: Map<string, string>, after: Map<string, string>): { added: string[]; removed: string[]; modified: string[] } {
  return {
    added: [...after.keys()].filter((k) => !before.has(k)).sort(),
    removed: [...before.keys()].filter((k) => !after.has(k)).sort(),
    modified: [...after.keys()].filter((k) => before.has(k) && before.get(k) !== after.get(k)).sort(),
  };
}

function qrCodes(pdf: string, page: number): string[] {
  const prefix = join(tempDir('page-'), 'p');
  tool('pdftoppm', ['-png', '-r', '150', '-f', String(page), '-l', String(page), '-singlefile', pdf, prefix]);
  return tool('zbarimg', ['-q', '--raw', `${prefix}.png`])
    .trim()
    .split('\n')
    .sort();
}

function linphoneAccount(file: string): Record<string, Record<string, string>> {
  const xml = readFileSync(file, 'utf8');
  expect(XMLValidator.validate(xml)).toBe(true);
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml) as {
    config: { xmlns: string; section: { name: string; entry: { name: string; '#text': string | number }[] | { name: string; '#text': string | number } }[] };
  };
  expect(doc.config.xmlns).toBe('http://www.linphone.org/xsds/lpconfig.xsd');
  return Object.fromEntries(doc.config.section.map((s) => [s.name, Object.fromEntries([s.entry].flat().map((e) => [e.name, String(e['#text'])]))]));
}

beforeEach(() => {
  ({ dir, env } = exampleTenant());
  // The ISP's Acrobits cloud id (the tests' ISP configuration allows the card addresses' hosts).
  env = { ...env, PBXSYNC_ISP_CONFIG: ispWithAcrobits };
  appendFileSync(join(dir, 'tenant.yaml'), SETUP);
  rename('hannah.lee@acme.com', HEBREW);
  rename('yasmin.haddad@acme.com', ARABIC);
  expect(run('pbx', 'init', 'sqlite:pbx.sqlite').status).toBe(0);
});

describe('setup cards and softphone provisioning', () => {
  it('apply writes one card per active user, a tenant PDF with a page each, and Linphone files holding their accounts', async () => {
    const apply = run('apply', 'tenant.yaml', '--auto-approve');
    expect(apply.status, apply.stderr).toBe(0);
    expect(apply.stderr).toMatch(/setup cards in .*acme-cards: 67 written, 0 unchanged, 0 removed \(mode 0600\)/);
    const rows = await sheetRows();
    expect(rows).toHaveLength(33);
    const cards = readdirSync(join(dir, 'acme-cards')).filter((n) => n.endsWith('.pdf'));
    expect(cards.sort()).toEqual([...rows.map((r) => `${r['SIP username']}.pdf`), 'acme-cards.pdf'].sort());
    for (const folder of ['acme-cards', 'provisioning']) {
      expect(statSync(join(dir, folder)).mode & 0o777).toBe(0o700);
      for (const name of readdirSync(join(dir, folder))) expect({ name, mode: statSync(join(dir, folder, name)).mode & 0o777 }).toEqual({ name, mode: 0o600 });
    }

    const tenantPdf = join(dir, 'acme-cards', 'acme-cards.pdf');
    expect(tool('pdfinfo', [tenantPdf])).toMatch(/^Pages:\s+33$/m);
    expect(tool('pdfinfo', [tenantPdf])).toMatch(/^Page size:\s+595\.28 x 841\.89 pts \(A4\)$/m);
    // pdftotext separates pages with form feeds: page i is the i-th card, in display-name order.
    const pages = tool('pdftotext', ['-layout', tenantPdf, '-']).split('\f').slice(0, -1);
    expect(pages).toHaveLength(33);
    const byName = new Map(rows.map((r) => [r['SIP username']!, r]));
    const xmlFiles = readdirSync(join(dir, 'provisioning'));
    expect(xmlFiles).toHaveLength(33);
    for (const xml of xmlFiles) expect(xml).toMatch(/^[0-9a-f]{32}\.xml$/);

    for (const [i, text] of pages.entries()) {
      const username = /SIP username\s+(\S+)/.exec(text.replace(/\s+/g, ' '))?.[1];
      const row = byName.get(username!)!;
      expect(row, `page ${i + 1}: ${text.slice(0, 200)}`).toBeDefined();
      for (const value of [
        row['Display name'],
        `Extension ${row.Extension}`,
        row['SIP password'],
        row['Softphone password'],
        'sip.acme.com',
        'TLS',
        '5061',
        'https://phone.voice.example.net',
      ]) {
        expect(text, `page ${i + 1} (${username})`).toContain(value!.includes('HYPERLINK') ? 'Reception' : value);
      }
      if (i > 2) continue; // the codes of the first pages: reading every page costs seconds
      const codes = qrCodes(tenantPdf, i + 1);
      const url = codes.find((c) => c.startsWith('https://'))!;
      expect(codes).toEqual([`csc:${username}@acme.com:${row['Softphone password']}@EXAMPLEVOICE`, url].sort());
      expect(url).toMatch(/^https:\/\/prov\.voice\.example\.net\/linphone\/[0-9a-f]{32}\.xml$/);
      // The same codes on the person's own card.
      expect(qrCodes(join(dir, 'acme-cards', `${username}.pdf`), 1)).toEqual(codes);
      const account = linphoneAccount(join(dir, 'provisioning', url.split('/').pop()!));
      expect(account.proxy_0).toMatchObject({ reg_proxy: '<sip:sip.acme.com:5061;transport=tls>', realm: 'acme.com', reg_sendregister: '1' });
      expect(account.proxy_0!.reg_identity).toContain(`<sip:${username}@acme.com>`);
      expect(account.auth_info_0).toEqual({
        username,
        userid: username,
        ha1: digestHashes(username!, 'acme.com', row['SIP password']!).ha1,
        realm: 'acme.com',
        domain: 'acme.com',
        algorithm: 'MD5',
      });
      expect(readFileSync(join(dir, 'provisioning', url.split('/').pop()!), 'utf8')).not.toContain(row['SIP password']);
    }
  });

  it('the steps start below the last credential, not over it', () => {
    expect(run('apply', 'tenant.yaml', '--auto-approve').status).toBe(0);
    const words = tool('pdftotext', ['-bbox', join(dir, 'acme-cards', 'alice.johnson.pdf'), '-']);
    const top = (text: string) =>
      Number(new RegExp(`yMin="([0-9.]+)" xMax="[0-9.]+" yMax="([0-9.]+)">${text.replace(/[()]/g, '\\$&')}</word>`).exec(words)?.[1]);
    const bottom = (text: string) => Number(new RegExp(`yMax="([0-9.]+)">${text.replace(/[()]/g, '\\$&')}</word>`).exec(words)?.[1]);
    const password = /<word [^>]*>([A-Za-z0-9]{20})<\/word>\s*<\/page>|>([A-Za-z0-9]{20})<\/word>/g;
    const secrets = [...words.matchAll(password)].map((m) => m[1] ?? m[2]!);
    const last = secrets[secrets.length - 1]!; // the softphone password, the last field
    expect(top('(Linphone,')).toBeGreaterThan(bottom(last));
  });

  it('right-to-left and accented names come out of the PDF as written', () => {
    expect(run('apply', 'tenant.yaml', '--auto-approve').status).toBe(0);
    const text = (user: string) => tool('pdftotext', [join(dir, 'acme-cards', `${user}.pdf`), '-']).replace(/[\u202a-\u202e]/g, '');
    expect(text('hannah.lee').split('\n')).toContain(HEBREW);
    expect(text('yasmin.haddad').split('\n')).toContain(ARABIC);
    expect(text('zoe.angstrom').split('\n')).toContain('Zoë Ångström');
    expect(text('soren.ostergaard').split('\n')).toContain('Søren Østergaard');
  });

  it("a rerun and `pbxsync cards` leave every file as it was; a rotation changes exactly that user's files; a leaver's go", async () => {
    expect(run('apply', 'tenant.yaml', '--auto-approve').status).toBe(0);
    const first = kitFiles();
    const cards = run('cards', 'tenant.yaml');
    expect(cards.status, cards.stderr).toBe(0);
    expect(cards.stdout).toMatch(/^Setup cards for 33 users in .*acme-cards and 33 provisioning files in .*provisioning\.$/m);
    expect(cards.stderr).toContain('0 written, 67 unchanged, 0 removed');
    expect(kitFiles()).toEqual(first);

    // Rotation of one user.
    const tenant = readFileSync(join(dir, 'tenant.yaml'), 'utf8').replace('  alice.johnson@acme.com:\n', '  alice.johnson@acme.com:\n    generation: 2\n');
    writeFileSync(join(dir, 'tenant.yaml'), tenant);
    const rotate = run('apply', 'tenant.yaml', '--auto-approve');
    expect(rotate.status, rotate.stderr).toBe(0);
    const rotated = kitFiles();
    const diff = changed(first, rotated);
    expect(diff.modified).toEqual(['acme-cards/.pbxsync-cards.json', 'acme-cards/acme-cards.pdf', 'acme-cards/alice.johnson.pdf']);
    expect(diff.added).toHaveLength(1);
    expect(diff.removed).toHaveLength(1);
    expect(diff.added[0]).toMatch(/^provisioning\/[0-9a-f]{32}\.xml$/);
    expect(linphoneAccount(join(dir, diff.added[0]!)).auth_info_0!.username).toBe('alice.johnson');
    const alice = (await sheetRows()).find((r) => r['SIP username'] === 'alice.johnson')!;
    expect(tool('pdftotext', [join(dir, 'acme-cards', 'alice.johnson.pdf'), '-'])).toContain(alice['SIP password']);

    // A leaver, and a file pbxsync did not write, which stays.
    writeFileSync(join(dir, 'provisioning', 'index.html'), "the server's own file");
    writeFileSync(join(dir, 'acme-cards', 'notes.txt'), "an operator's notes");
    const before = kitFiles();
    editDirectory((users) => users.filter((u) => u.userPrincipalName !== 'daniel.kim@acme.com'));
    const leave = run('apply', 'tenant.yaml', '--auto-approve');
    expect(leave.status, leave.stderr).toBe(0);
    const left = changed(before, kitFiles());
    expect(left.added).toEqual([]);
    expect(left.modified).toEqual(['acme-cards/.pbxsync-cards.json', 'acme-cards/acme-cards.pdf']);
    expect(left.removed).toHaveLength(2);
    expect(left.removed[0]).toBe('acme-cards/daniel.kim.pdf');
    expect(left.removed[1]).toMatch(/^provisioning\/[0-9a-f]{32}\.xml$/);
    expect(tool('pdfinfo', [join(dir, 'acme-cards', 'acme-cards.pdf')])).toMatch(/^Pages:\s+32$/m);
  });

  it('`pbxsync cards` before any apply says what to do; a wrong master key writes nothing', () => {
    const early = run('cards', 'tenant.yaml');
    expect(early.status).toBe(1);
    expect(early.stderr).toContain('has no domain acme.com in the PBX yet');
    expect(run('apply', 'tenant.yaml', '--auto-approve', '--no-spreadsheet').status).toBe(0);
    const other = { ...env, PBXSYNC_MASTER_KEY_FILE: undefined, PBXSYNC_MASTER_KEY: Buffer.alloc(32, 7).toString('base64') };
    const wrong = pbxsync(['cards', 'tenant.yaml'], { cwd: dir, env: other });
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain("holds a password derived from this run's master key");
    expect(readdirSync(dir)).not.toContain('acme-cards');
  });

  it('a provisioning URL or webphone on a host the ISP does not list, or csc: codes without its cloud id, are refused with positions', () => {
    const text = readFileSync(join(dir, 'tenant.yaml'), 'utf8')
      .replace('prov.voice.example.net', 'evil.example')
      .replace('https://phone.voice.example.net', 'https://phish.example');
    writeFileSync(join(dir, 'tenant.yaml'), text);
    const r = pbxsync(['validate', 'tenant.yaml'], {
      cwd: dir,
      env: { ...env, PBXSYNC_ISP_CONFIG: writeTestIspConfig(`isp-plain-${Math.random().toString(36).slice(2)}.yaml`, testIspYaml()) },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^tenant\.yaml:\d+:\d+: error: provisioning\.url names evil\.example, which the ISP configuration .* does not allow$/m);
    expect(r.stderr).toMatch(/^tenant\.yaml:\d+:\d+: error: cards\.webphone_url names phish\.example, which the ISP configuration .* does not allow$/m);
    expect(r.stderr).toMatch(/^tenant\.yaml:\d+:\d+: error: provisioning\.acrobits needs the ISP's Acrobits cloud id, and the ISP configuration .* has none$/m);
  });

  it('a provisioning folder inside the cards folder is refused before anything is written', () => {
    writeFileSync(
      join(dir, 'tenant.yaml'),
      readFileSync(join(dir, 'tenant.yaml'), 'utf8').replace('  folder: provisioning\n', '  folder: acme-cards/public\n'),
    );
    const apply = run('apply', 'tenant.yaml', '--auto-approve');
    expect(apply.status).toBe(1);
    expect(apply.stderr).toMatch(
      /^tenant\.yaml:\d+:\d+: error: provisioning\.folder \(.*acme-cards\/public\) and cards\.folder \(.*acme-cards\) overlap: the provisioning server would serve everyone's cards$/m,
    );
    expect(readdirSync(dir)).not.toContain('acme-cards');
  });
});
