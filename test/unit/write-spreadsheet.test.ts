import { chmodSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
// jszip comes with exceljs (not a direct dependency); the tests use it to read the raw XML.
import JSZip from 'jszip';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import type { SpreadsheetInput, SpreadsheetRow } from '../../src/spreadsheet/spreadsheet-row.js';
import { cellText, PHONE_SETUP_SHEET, sortRows, SUBSCRIBERS_SHEET, writeSpreadsheet } from '../../src/spreadsheet/write-spreadsheet.js';
import { cellString, rowStrings } from '../support/sheet-cells.js';
import { tempDir } from '../support/tmp.js';

const HEADERS = ['Display name', 'UPN', 'Email', 'Extension', 'SIP username', 'SIP domain', 'SIP password', 'Softphone password', 'Department', 'Status'];
const PROBES = ['=1+2', '@SUM(A1)', '+1', '-1', '\tx', '=HYPERLINK("http://evil.example/","x")', "=cmd|' /C calc'!A0"];

let dir: string;
beforeEach(() => {
  dir = tempDir('pbxsync-xlsx-');
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function row(n: number, extra: Partial<SpreadsheetRow> = {}): SpreadsheetRow {
  return {
    displayName: `User ${n}`,
    upn: `user${n}@acme.com`,
    email: `user${n}@acme.com`,
    extension: String(1000 + n),
    username: `user${n}`,
    domain: 'acme.com',
    sipPassword: `sip-Pa55-${n}`,
    softphonePassword: `soft-Pa55-${n}`,
    department: 'Sales',
    status: 'new',
    ...extra,
  };
}

function input(rows: SpreadsheetRow[]): SpreadsheetInput {
  return { tenant: 'acme', domain: 'acme.com', rows, phoneSetup: { registrar: 'sip.acme.com', transport: 'tls', port: 5061 } };
}

async function load(path: string): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.readFile(path);
  return workbook;
}

function sheet(workbook: ExcelJS.Workbook, name: string): ExcelJS.Worksheet {
  const found = workbook.getWorksheet(name);
  if (found === undefined) throw new Error(`no sheet ${name}`);
  return found;
}

function values(ws: ExcelJS.Worksheet, rowNumber: number): string[] {
  return Array.from({ length: ws.columnCount }, (_, i) => cellString(ws.getRow(rowNumber).getCell(i + 1).value));
}

describe('writeSpreadsheet', () => {
  it('writes the Subscribers sheet: headers, rows, frozen header, bold header, autofilter, widths', async () => {
    const path = join(dir, 'acme-credentials.xlsx');
    await writeSpreadsheet(path, input([row(1), row(2), row(3)]));
    const ws = sheet(await load(path), SUBSCRIBERS_SHEET);
    expect(values(ws, 1)).toEqual(HEADERS);
    expect(ws.rowCount).toBe(4);
    expect(values(ws, 2)).toEqual(['User 1', 'user1@acme.com', 'user1@acme.com', '1001', 'user1', 'acme.com', 'sip-Pa55-1', 'soft-Pa55-1', 'Sales', 'new']);
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(ws.getRow(1).getCell(1).font).toMatchObject({ name: 'Calibri', bold: true });
    expect(ws.getRow(2).getCell(7).font).toMatchObject({ name: 'Consolas' }); // passwords
    expect(ws.getRow(2).getCell(8).font).toMatchObject({ name: 'Consolas' });
    expect(ws.getRow(2).getCell(1).font?.name).toBe('Calibri');
    expect(ws.autoFilter).toBe('A1:J4');
    for (let c = 1; c <= HEADERS.length; c++) {
      const width = ws.getColumn(c).width ?? 0;
      expect(width).toBeGreaterThanOrEqual(8);
      expect(width).toBeLessThanOrEqual(60);
    }
    expect(ws.getColumn(8).width).toBeGreaterThanOrEqual('Softphone password'.length);
  });

  it('caps wide columns', async () => {
    const path = join(dir, 'wide.xlsx');
    await writeSpreadsheet(path, input([row(1, { displayName: 'x'.repeat(200) })]));
    expect(sheet(await load(path), SUBSCRIBERS_SHEET).getColumn(1).width).toBe(60);
  });

  it('sorts rows by extension numerically and keeps extensions as text', async () => {
    const path = join(dir, 'sorted.xlsx');
    const rows = [row(1, { extension: '1001' }), row(2, { extension: '999' }), row(3, { extension: '0123' }), row(4, { extension: '10000' })];
    await writeSpreadsheet(path, input(rows));
    const ws = sheet(await load(path), SUBSCRIBERS_SHEET);
    const extensions = [2, 3, 4, 5].map((r) => ws.getRow(r).getCell(4));
    expect(extensions.map((c) => cellString(c.value))).toEqual(['0123', '999', '1001', '10000']); // strings, not numbers
    for (const cell of extensions) expect(cell.numFmt).toBe('@');
  });

  it('an empty tenant still gets headers and a filter over the header row', async () => {
    const path = join(dir, 'empty.xlsx');
    await writeSpreadsheet(path, input([]));
    const ws = sheet(await load(path), SUBSCRIBERS_SHEET);
    expect(ws.rowCount).toBe(1);
    expect(ws.autoFilter).toBe('A1:J1');
  });

  it('writes the Phone setup sheet as key/value rows with a note', async () => {
    const path = join(dir, 'setup.xlsx');
    await writeSpreadsheet(path, {
      ...input([row(1)]),
      phoneSetup: { registrar: 'sip.acme.com', outboundProxy: 'edge.isp.net:5061', transport: 'tls', port: 5061 },
    });
    const ws = sheet(await load(path), PHONE_SETUP_SHEET);
    const pairs = new Map<unknown, unknown>();
    ws.eachRow((r) => pairs.set(...(rowStrings(r) as [string, string])));
    expect(pairs.get('SIP domain')).toBe('acme.com');
    expect(pairs.get('Registrar')).toBe('sip.acme.com');
    expect(pairs.get('Outbound proxy')).toBe('edge.isp.net:5061');
    expect(pairs.get('Transport')).toBe('TLS');
    expect(pairs.get('Port')).toBe('5061');
    expect(String(pairs.get('How to use'))).toContain('SIP password');
  });

  it('says "none" when there is no outbound proxy', async () => {
    const path = join(dir, 'no-proxy.xlsx');
    await writeSpreadsheet(path, input([]));
    const ws = sheet(await load(path), PHONE_SETUP_SHEET);
    const proxy = ws.getRows(1, ws.rowCount)?.find((r) => cellString(r.getCell(1).value) === 'Outbound proxy');
    expect(cellString(proxy?.getCell(2).value)).toBe('none');
  });
});

describe('writeSpreadsheet file handling', () => {
  it('creates the file with mode 0600 and leaves no temporary file', async () => {
    const path = join(dir, 'creds.xlsx');
    await writeSpreadsheet(path, input([row(1)]));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['creds.xlsx']);
  });

  it('replaces an existing world-readable file and ends at 0600', async () => {
    const path = join(dir, 'creds.xlsx');
    writeFileSync(path, 'old content');
    chmodSync(path, 0o644);
    await writeSpreadsheet(path, input([row(1)]));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(sheet(await load(path), SUBSCRIBERS_SHEET).rowCount).toBe(2);
  });

  it('a row that fails while the rows are written leaves the old file as it was and no temporary file', async () => {
    const path = join(dir, 'creds.xlsx');
    writeFileSync(path, 'old sheet');
    chmodSync(path, 0o600);
    const rows = Array.from({ length: 2000 }, (_, i) => row(i));
    const boom = new Error('no password for user 1500');
    let reads = 0;
    // Read once for the column widths, then again when its row is written: fails then, 1,500 rows in.
    Object.defineProperty(rows[1500], 'sipPassword', {
      get() {
        reads += 1;
        if (reads > 1) throw boom;
        return 'pw';
      },
    });
    await expect(writeSpreadsheet(path, input(rows))).rejects.toBe(boom);
    expect(reads).toBe(2);
    expect(readdirSync(dir)).toEqual(['creds.xlsx']);
    expect(readFileSync(path, 'utf8')).toBe('old sheet');
  });

  it('a missing folder is a UserError naming the file, and nothing is left behind', async () => {
    const path = join(dir, 'missing', 'creds.xlsx');
    const error = await writeSpreadsheet(path, input([row(1)])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toContain(path);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('formula safety', () => {
  const rows = PROBES.map((probe, i) => row(i + 1, { displayName: probe, department: probe, email: probe }));

  it('keeps every probe as the same string, with the Text format', async () => {
    const path = join(dir, 'probes.xlsx');
    await writeSpreadsheet(path, input(rows));
    const ws = sheet(await load(path), SUBSCRIBERS_SHEET);
    PROBES.forEach((probe, i) => {
      for (const column of [1, 3, 9]) {
        const cell = ws.getRow(i + 2).getCell(column);
        expect(cell.value).toEqual({ richText: [{ text: probe }] }); // the string itself, one plain run
        expect(cell.formula).toBeUndefined();
        expect(cell.numFmt).toBe('@');
      }
    });
  });

  it('the raw sheet XML has no formula element and only inline-string cells', async () => {
    const path = join(dir, 'probes.xlsx');
    await writeSpreadsheet(path, input(rows));
    const zip = await JSZip.loadAsync(readFileSync(path));
    const sheets = Object.keys(zip.files).filter((name) => /^xl\/worksheets\/sheet\d+\.xml$/.test(name));
    expect(sheets).toHaveLength(2);
    for (const name of sheets) {
      const xml = await zip.file(name)!.async('string');
      expect(xml).not.toMatch(/<f[\s>/]/);
      const cells = xml.match(/<c [^>]*>/g) ?? [];
      expect(cells.length).toBeGreaterThan(0);
      for (const cell of cells) expect(cell).toMatch(/ t="inlineStr"/);
      // Each cell holds one run of text and nothing else (no value, no formula, no run format).
      const bodies = xml.match(/<c [^>]*>.*?<\/c>/g) ?? [];
      expect(bodies).toHaveLength(cells.length);
      for (const body of bodies) expect(body).toMatch(/^<c [^>]*><is><r><t( xml:space="preserve")?>[^<]*<\/t><\/r><\/is><\/c>$/);
      if (name.endsWith('sheet1.xml')) expect(xml).toContain('<t>=1+2</t>'); // the text itself, no added apostrophe
    }
    expect(zip.file('xl/sharedStrings.xml')).toBeNull();
    const styles = await zip.file('xl/styles.xml')!.async('string');
    expect(styles).toMatch(/<xf numFmtId="49"[^>]*applyNumberFormat="1"/);
  });
});

describe('cellText', () => {
  it.each([
    ['=1+2', '=1+2'],
    ['\tx', '\tx'],
    ['\rx', '\nx'],
    ['a\r\nb', 'a\nb'],
    ['x\u0000y\u0007z\u001f', 'xyz'],
    ['Søren Østergaard', 'Søren Østergaard'],
  ])('%j → %j', (value, expected) => {
    expect(cellText(value)).toBe(expected);
  });
});

describe('sortRows', () => {
  it('puts non-numeric extensions last, then orders by UPN', () => {
    const sorted = sortRows([row(1, { extension: '' }), row(2, { extension: '20' }), row(3, { extension: '020' }), row(4, { extension: '3' })]);
    expect(sorted.map((r) => r.extension)).toEqual(['3', '020', '20', '']);
  });
});
