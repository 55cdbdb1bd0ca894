import { rowCount, type RowOps } from '../model/row-ops.js';

/**
 * Bulk writes go in chunks of rows: one statement per chunk, so that the parameters of a
 * 20,000-user tenant's ~320k preference rows are never one 40-million-character value (held
 * by Node and copied by the database driver) while the statements stay few (64 for that tenant).
 */
const CHUNK_ROWS = 5000;

export function* chunks<T>(list: readonly T[], size = CHUNK_ROWS): Generator<readonly T[]> {
  for (let i = 0; i < list.length; i += size) yield list.slice(i, i + size);
}

/** Told after each chunk an apply has written: rows so far, of all the rows its bulk statements take. */
export type RowProgress = (written: number, total: number) => void;

/**
 * Counts an apply's rows chunk by chunk for a RowProgress. The total is what the bulk
 * statements of both providers take: every list once, the renames twice (preferences and aliases).
 */
export function rowCounter(ops: RowOps, onRows: RowProgress | undefined): (rows: number) => void {
  if (onRows === undefined) return () => undefined;
  const total = rowCount(ops) + ops.renameAccounts.length;
  let written = 0;
  return (rows) => {
    written += rows;
    onRows(written, total);
  };
}
