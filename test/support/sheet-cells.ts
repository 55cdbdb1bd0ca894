/**
 * Reading the credentials spreadsheet back in tests. pbxsync writes every cell as an inline
 * string of one unformatted run (`<is><r><t>…</t></r></is>`), which exceljs reads as rich text
 * of that one run. Anything else (a number, a formula, a plain or shared string, a run with its
 * own font) is not what pbxsync writes, and fails the test that reads it.
 */
import type ExcelJS from 'exceljs';

export function cellString(value: ExcelJS.CellValue | undefined): string {
  if (value !== null && typeof value === 'object' && 'richText' in value) {
    const runs = value.richText;
    if (runs.length === 1 && runs[0]!.font === undefined) return runs[0]!.text;
  }
  throw new Error(`not an inline string cell: ${JSON.stringify(value)}`);
}

/** The texts of a row's cells, from column A on. */
export function rowStrings(row: ExcelJS.Row): string[] {
  return (row.values as ExcelJS.CellValue[]).slice(1).map(cellString);
}
