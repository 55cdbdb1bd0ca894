/**
 * Writes the credentials spreadsheet (.xlsx): sheet "Subscribers" (one row per SIP account)
 * and sheet "Phone setup" (what phones need besides their credentials).
 *
 * Formula safety: directory data is attacker-controlled (anyone who can set a display name),
 * so no cell may ever be read as a formula. Every cell is written as an inline string
 * (`t="inlineStr"`, one run without formatting: `<is><r><t>text</t></r></is>`), never an `<f>`
 * element, with the Text number format `@`, which makes Excel and LibreOffice keep the content
 * as text even when someone edits the cell. The displayed text stays exactly the original: no
 * apostrophe or other character is added. exceljs 4.4 cannot write the `quotePrefix` style
 * attribute, and with `@` it is not needed. Why inline: exceljs's streaming writer writes a
 * plain string as `t="str"` (the type of a formula's result) unless it uses shared strings, and
 * it builds the shared-strings part as one string at the end (about 100 MB more at 20,000 rows).
 *
 * Memory: the streaming writer holds one row at a time, not a workbook of cell objects; the
 * column widths come from a first pass over the rows, since the columns are written before
 * the first row. It does not wait for the zip stream, so the sheet's XML (about 1 KB a row)
 * queues in memory ahead of compression.
 *
 * The file holds passwords: it is written whole or not at all, mode 0600 from its creation
 * (see `fs/private-file.ts`), so it is never readable by others and a reader never sees half
 * a file. With `encryptTo` (age public keys), the bytes are encrypted on their way to the file
 * (`encrypt-age.ts`): the file is an age file and no plaintext copy exists anywhere.
 */
import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { writePrivateFileStream } from '../fs/private-file.js';
import { writeEncrypted } from './encrypt-age.js';
import type { SpreadsheetInput, SpreadsheetRow } from './spreadsheet-row.js';

export const SUBSCRIBERS_SHEET = 'Subscribers';
export const PHONE_SETUP_SHEET = 'Phone setup';

const SUBSCRIBER_COLUMNS: readonly { readonly header: string; readonly key: keyof SpreadsheetRow }[] = [
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
  const recipients = input.encryptTo ?? [];
  const write =
    recipients.length === 0
      ? (out: Writable) => writeWorkbook(out, input)
      : (out: Writable) => writeEncrypted(out, recipients, (plain) => writeWorkbook(plain, input));
  await writePrivateFileStream(path, write, { what: 'credentials spreadsheet' });
}

async function writeWorkbook(out: Writable, input: SpreadsheetInput): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  workbook.creator = 'pbxsync';
  workbook.lastModifiedBy = 'pbxsync';
  writeSubscribersSheet(workbook, input.rows);
  writeSheet(workbook, PHONE_SETUP_SHEET, () => phoneSetupTable(input), {});
  await workbook.commit();
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
  return [...rows].sort((a, b) => number(a.extension) - number(b.extension) || compare(a.extension, b.extension) || compare(a.upn, b.upn));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

type StreamingWorkbook = ExcelJS.stream.xlsx.WorkbookWriter;
type Font = Partial<ExcelJS.Font>;

/** A sheet's cells, header first; called once per pass, so that no copy of all rows is kept. */
type Table = () => Iterable<readonly string[]>;

interface SheetOptions {
  readonly views?: Partial<ExcelJS.WorksheetView>[];
  readonly autoFilter?: boolean;
  /** The font of each column's cells below the header (undefined: the default font). */
  readonly fonts?: readonly (Font | undefined)[];
}

function writeSubscribersSheet(workbook: StreamingWorkbook, rows: readonly SpreadsheetRow[]): void {
  const sorted = sortRows(rows);
  const table: Table = function* () {
    yield SUBSCRIBER_COLUMNS.map((c) => c.header);
    for (const row of sorted) yield SUBSCRIBER_COLUMNS.map((c) => row[c.key]);
  };
  writeSheet(workbook, SUBSCRIBERS_SHEET, table, {
    views: [{ state: 'frozen', xSplit: 0, ySplit: 1, topLeftCell: 'A2', activeCell: 'A2' }],
    autoFilter: true,
    fonts: SUBSCRIBER_COLUMNS.map((c) => (MONOSPACED.has(c.key) ? PASSWORD_FONT : undefined)),
  });
}

function phoneSetupTable(input: SpreadsheetInput): readonly (readonly string[])[] {
  const setup = input.phoneSetup;
  return [
    ['Setting', 'Value'],
    ['Tenant', input.tenant],
    ['SIP domain', input.domain],
    ['Registrar', setup.registrar],
    ['Outbound proxy', setup.outboundProxy ?? 'none'],
    ['Transport', setup.transport.toUpperCase()],
    ['Port', String(setup.port)],
    ['', ''],
    [
      'How to use',
      `Each row of "${SUBSCRIBERS_SHEET}" is one phone account: register with its SIP username, SIP domain and SIP password at the registrar above.`,
    ],
    ['', 'The softphone password is for the softphone/webphone login; it is not the SIP password.'],
    ['', 'Status: new, updated or unchanged by the last apply; disabled accounts cannot register.'],
    ['', 'This file contains passwords: keep it private, give each person only their own row, and delete it once the phones are set up.'],
  ];
}

/**
 * Writes every value as text (see the file comment), the header in bold, and sizes the columns
 * to their content: a first pass measures, the second writes and commits row by row.
 */
function writeSheet(workbook: StreamingWorkbook, name: string, table: Table, options: SheetOptions): void {
  const sheet = workbook.addWorksheet(name, options.views ? { views: options.views } : {});
  const { widths, rowCount } = measure(table());
  widths.forEach((width, c) => {
    sheet.getColumn(c + 1).width = Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, width + 2));
  });
  let rowNumber = 0;
  for (const values of table()) {
    rowNumber += 1;
    const row = sheet.getRow(rowNumber);
    values.forEach((value, c) => {
      const cell = row.getCell(c + 1);
      cell.value = { richText: [{ text: cellText(value) }] }; // an inline string: see the file comment
      cell.numFmt = TEXT_FORMAT;
      const font = options.fonts?.[c];
      if (rowNumber > 1 && font) cell.font = font;
    });
    if (rowNumber === 1) row.font = HEADER_FONT;
    row.commit();
  }
  if (options.autoFilter) sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: rowCount, column: widths.length } };
  sheet.commit();
}

function measure(table: Iterable<readonly string[]>): { widths: number[]; rowCount: number } {
  const widths: number[] = [];
  let rowCount = 0;
  for (const values of table) {
    rowCount += 1;
    values.forEach((value, c) => {
      widths[c] = Math.max(widths[c] ?? 0, displayWidth(cellText(value)));
    });
  }
  return { widths, rowCount };
}

/** Characters in the longest line (code points, not UTF-16 units). */
function displayWidth(text: string): number {
  return Math.max(...text.split('\n').map((line) => [...line].length));
}
