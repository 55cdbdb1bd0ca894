/**
 * `spreadsheet.encrypt_to`: apply writes the credentials spreadsheet as an age file that the
 * real `age` CLI (Debian's package) opens with the matching identity, and no plaintext .xlsx
 * anywhere. The tenant file's check of the recipients.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { checkTenantText } from '../../src/config/load-tenant.js';
import { exampleTenant, pbxsync } from '../support/cli.js';
import { permissivePolicy } from '../support/isp.js';
import { writeSpreadsheet } from '../../src/spreadsheet/write-spreadsheet.js';
import { rowStrings } from '../support/sheet-cells.js';
import { tempDir } from '../support/tmp.js';

const AGE = spawnSync('age', ['--version']).status === 0;

function keypair(dir: string, name: string): { identity: string; recipient: string } {
  const identity = join(dir, `${name}.key`);
  const r = spawnSync('age-keygen', ['-o', identity], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  const recipient = /age1[0-9a-z]+/.exec(r.stderr)?.[0];
  if (recipient === undefined) throw new Error(`age-keygen printed no public key: ${r.stderr}`);
  return { identity, recipient };
}

/** Every file under `dir` whose first bytes are a zip's (an .xlsx is a zip), by name. */
function zipFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && readFileSync(join(e.parentPath, e.name)).subarray(0, 2).toString('latin1') === 'PK')
    .map((e) => e.name);
}

describe.skipIf(!AGE)('apply with spreadsheet.encrypt_to', () => {
  it('writes PATH.age for every recipient, which age -d opens, and no plaintext xlsx', async () => {
    const { dir, env } = exampleTenant();
    const admin = keypair(dir, 'admin');
    const helpdesk = keypair(dir, 'helpdesk');
    const other = keypair(dir, 'other');
    const file = join(dir, 'tenant.yaml');
    const text = readFileSync(file, 'utf8').replace(
      '  path: acme-credentials.xlsx',
      `  path: acme-credentials.xlsx\n  encrypt_to:\n    - ${admin.recipient}\n    - ${helpdesk.recipient}`,
    );
    writeFileSync(file, text);

    expect(pbxsync(['pbx', 'init', 'sqlite:pbx.sqlite'], { cwd: dir, env }).status).toBe(0);
    const r = pbxsync(['apply', 'tenant.yaml', '--auto-approve'], { cwd: dir, env });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('acme-credentials.xlsx.age (mode 0600), encrypted to 2 age recipients');
    const sealed = join(dir, 'acme-credentials.xlsx.age');
    expect(statSync(sealed).mode & 0o777).toBe(0o600);
    expect(readFileSync(sealed).subarray(0, 21).toString()).toBe('age-encryption.org/v1');
    expect(zipFiles(dir)).toEqual([]); // no plaintext copy, not even a leftover temporary file

    for (const who of [admin, helpdesk]) {
      const out = join(dir, `${who === admin ? 'admin' : 'helpdesk'}.xlsx`);
      const d = spawnSync('age', ['-d', '-i', who.identity, '-o', out, sealed], { encoding: 'utf8' });
      expect(d.status, d.stderr).toBe(0);
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.readFile(out);
      const sheet = workbook.getWorksheet('Subscribers')!;
      expect(rowStrings(sheet.getRow(1)).slice(0, 4)).toEqual(['Display name', 'UPN', 'Email', 'Extension']);
      const upns = Array.from({ length: sheet.rowCount - 1 }, (_, i) => rowStrings(sheet.getRow(i + 2))[1]);
      expect(upns).toContain('reception@acme.com');
      expect(rowStrings(sheet.getRow(2))[6]).toMatch(/^\S{12,}$/); // a SIP password
    }
    const refused = spawnSync('age', ['-d', '-i', other.identity, sealed], { encoding: 'utf8' });
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/no identity matched/);

    // Applying again changes nothing and keeps the encrypted file it wrote.
    const again = pbxsync(['apply', 'tenant.yaml', '--auto-approve'], { cwd: dir, env });
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain('No changes.');
  });
});

describe('writeSpreadsheet with encryptTo', () => {
  it('leaves nothing behind when the encryption fails', async () => {
    const dir = tempDir('sealed-');
    const input = {
      tenant: 'acme',
      domain: 'acme.com',
      rows: [],
      phoneSetup: { registrar: 'acme.com', transport: 'udp', port: 5060 },
      encryptTo: ['age1notakey'],
    };
    await expect(writeSpreadsheet(join(dir, 'acme.xlsx.age'), input)).rejects.toThrow();
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('spreadsheet.encrypt_to in the tenant file', () => {
  const MINIMAL = `tenant: acme
domain: acme.com
source: {type: snapshot, path: directory.json}
pbx: {url: "sqlite:pbx.sqlite"}
extensions: {start: 1000}
`;
  const check = (spreadsheet: string) => checkTenantText(`${MINIMAL}${spreadsheet}`, 'acme.yaml', '/srv/t/acme.yaml', {}, permissivePolicy());
  const errors = (spreadsheet: string) =>
    check(spreadsheet)
      .problems.filter((p) => p.severity === 'error')
      .map((p) => `${p.line}:${p.col} ${p.message}`);
  const KEY = 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p';

  it('appends .age to the path', () => {
    expect(check(`spreadsheet: {path: out/acme.xlsx, encrypt_to: [${KEY}]}\n`).config?.spreadsheet).toMatchObject({
      path: '/srv/t/out/acme.xlsx.age',
      encryptTo: [KEY],
    });
    expect(check('').config?.spreadsheet.path).toBe('/srv/t/acme-credentials.xlsx');
  });

  it('names the recipient that is not an age public key, at its position', () => {
    expect(errors(`spreadsheet:\n  encrypt_to:\n    - ${KEY}\n    - ssh-ed25519 AAAAC3Nza\n`)).toEqual([
      "9:7 spreadsheet.encrypt_to[1] must be an age public key like age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p (age-keygen prints it) (got 'ssh-ed25519 AAAAC3Nza')",
    ]);
    const typo = `${KEY.slice(0, -1)}q`;
    expect(errors(`spreadsheet:\n  encrypt_to: [${typo}]\n`)).toEqual([
      '7:16 spreadsheet.encrypt_to[0] is not an age public key: its checksum does not match (a character mistyped or missing?)',
    ]);
    expect(errors('spreadsheet: {encrypt_to: []}\n')[0]).toMatch(/encrypt_to/);
  });

  it('is required where the ISP configuration says files.require_encrypted_spreadsheet', () => {
    const isp = { ...permissivePolicy(), files: { pbxMode: 0o600, requireEncryptedSpreadsheet: true } };
    const run = (text: string) =>
      checkTenantText(`${MINIMAL}${text}`, 'acme.yaml', '/srv/t/acme.yaml', {}, isp).problems.map((p) => `${p.line}:${p.col} ${p.message}`);
    expect(run('spreadsheet: {path: acme.xlsx}\n')).toEqual([
      '6:14 the ISP configuration requires an encrypted spreadsheet (files.require_encrypted_spreadsheet): set spreadsheet.encrypt_to',
    ]);
    expect(run('')).toHaveLength(1);
    expect(run(`spreadsheet: {encrypt_to: [${KEY}]}\n`)).toEqual([]);
  });
});
