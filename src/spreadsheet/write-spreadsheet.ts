/**
 * Writes the credentials spreadsheet (.xlsx): sheet "Subscribers" (one row per SIP account)
 * and sheet "Phone setup" (what phones need besides their credentials).
 *
 * Formula safety: directory data is attacker-controlled (anyone who can set a display name),
 * so no cell may ever be read as a formula. Every cell is written as a string (exceljs emits
 * a shared string, `t="s"`, never an `<f>` element) with the Text number format `@`, which
 * makes Excel and LibreOffice keep the content as text even when someone edits the cell. The
 * displayed text stays exactly the original: no apostrophe or other character is added.
 * exceljs 4.4 cannot write the `quotePrefix` style attribute, and with `@` it is not needed.
 *
 * The file holds passwords: it is written whole or not at all, mode 0600 from its creation
 * (see `fs/private-file.ts`), so it is never readable by others and a reader never sees half
 * a file.
 */
import ExcelJS from 'exceljs';
import { writePrivateFile } from '../fs/private-file.js';
import type { SpreadsheetInput, SpreadsheetRow } from './spreadsheet-row.js';

export const SUBSCRIBERS_SHEET = 'Subscribers';
export const PHONE_SETUP_SHEET = 'Phone setup';

export const SUBSCRIBER_COLUMNS: readonly { readonly header: string; readonly key: keyof SpreadsheetRow }[] = [
  { header: 'Display name', key: 'displayName' },
  { header: 'UPN', key: 'upn' },
  { header: 'Email', key: 'email' },
  { header: 'Extension', key: 'extension' },
  { header: 'SIP username', key: 'username' },
  { header: 'SIP domain', key: 'domain' },
  { header: 'SIP password', key: 'sipPassword' },
  { header: 'Softphone password', key: 'softphonePassword' },
  { header: 'Department', key: 'department' },
  { header: 'Status', key: 'status' },
];

/** Password columns use a monospaced font, so that l/1/I and O/0 can be told apart. */
const MONOSPACED: ReadonlySet<keyof SpreadsheetRow> = new Set(['sipPassword', 'softphonePassword']);
const MIN_WIDTH = 8;
const MAX_WIDTH = 60;
const TEXT_FORMAT = '@';
// Full font descriptions: a font without a size makes some spreadsheet programs guess.
const HEADER_FONT = { name: 'Calibri', family: 2, size: 11, bold: true };
const PASSWORD_FONT = { name: 'Consolas', family: 3, size: 11 };

export async function writeSpreadsheet(path: string, input: SpreadsheetInput): Promise<void> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'pbxsync';
  addSubscribersSheet(workbook, input.rows);
  addPhoneSetupSheet(workbook, input);
  const buffer = await workbook.xlsx.writeBuffer();
  await writePrivateFile(path, new Uint8Array(buffer), { what: 'credentials spreadsheet' });
}

/**
 * The text a cell gets. XML cannot hold most C0 control characters (exceljs would drop them
 * silently) and turns a carriage return into a line feed on reading, so line breaks become
 * `\n` and other control characters other than tab are removed, explicitly and predictably.
 */
export function cellText(value: string): string {
  return value.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '');
}

/** By extension, numerically; rows without a numeric extension last; then by UPN. */
export function sortRows(rows: readonly SpreadsheetRow[]): SpreadsheetRow[] {
  const number = (ext: string): number => (/^\d+$/.test(ext) ? Number(ext) : Number.POSITIVE_INFINITY);
  return [...rows].sort(
    (a, b) =>
      number(a.extension) - number(b.extension) ||
      compare(a.extension, b.extension) ||
      compare(a.upn, b.upn),
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function addSubscribersSheet(workbook: ExcelJS.Workbook, rows: readonly SpreadsheetRow[]): void {
  const sheet = workbook.addWorksheet(SUBSCRIBERS_SHEET, {
    views: [{ state: 'frozen', xSplit: 0, ySplit: 1, topLeftCell: 'A2', activeCell: 'A2' }],
  });
  const table = [SUBSCRIBER_COLUMNS.map((c) => c.header), ...sortRows(rows).map((row) => SUBSCRIBER_COLUMNS.map((c) => row[c.key]))];
  writeTable(sheet, table);
  sheet.getRow(1).font = HEADER_FONT;
  SUBSCRIBER_COLUMNS.forEach((column, i) => {
    if (!MONOSPACED.has(column.key)) return;
    sheet.getColumn(i + 1).eachCell((cell, rowNumber) => {
      if (rowNumber > 1) cell.font = PASSWORD_FONT;
    });
  });
  sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: table.length, column: SUBSCRIBER_COLUMNS.length } };
}

function addPhoneSetupSheet(workbook: ExcelJS.Workbook, input: SpreadsheetInput): void {
  const sheet = workbook.addWorksheet(PHONE_SETUP_SHEET);
  const setup = input.phoneSetup;
  const table = [
    ['Setting', 'Value'],
    ['Tenant', input.tenant],
    ['SIP domain', input.domain],
    ['Registrar', setup.registrar],
    ['Outbound proxy', setup.outboundProxy ?? 'none'],
    ['Transport', setup.transport.toUpperCase()],
    ['Port', String(setup.port)],
    ['', ''],
    ['How to use', `Each row of "${SUBSCRIBERS_SHEET}" is one phone account: register with its SIP username, SIP domain and SIP password at the registrar above.`],
    ['', 'The softphone password is for the softphone/webphone login; it is not the SIP password.'],
    ['', 'Status: new, updated or unchanged by the last apply; disabled accounts cannot register.'],
    ['', 'This file contains passwords: keep it private, give each person only their own row, and delete it once the phones are set up.'],
  ];
  writeTable(sheet, table);
  sheet.getRow(1).font = HEADER_FONT;
}

/** Writes every value as text (see the file comment) and sizes the columns to their content. */
function writeTable(sheet: ExcelJS.Worksheet, table: readonly (readonly string[])[]): void {
  const widths: number[] = [];
  table.forEach((values, r) => {
    values.forEach((value, c) => {
      const cell = sheet.getCell(r + 1, c + 1);
      const text = cellText(value);
      cell.value = text;
      cell.numFmt = TEXT_FORMAT;
      widths[c] = Math.max(widths[c] ?? 0, displayWidth(text));
    });
  });
  widths.forEach((width, c) => {
    sheet.getColumn(c + 1).width = Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, width + 2));
  });
}

/** Characters in the longest line (code points, not UTF-16 units). */
function displayWidth(text: string): number {
  return Math.max(...text.split('\n').map((line) => [...line].length));
}
