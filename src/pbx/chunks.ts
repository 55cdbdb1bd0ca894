/**
 * Bulk writes go in chunks of rows: one statement per chunk, so that the parameters of a
 * 20,000-user tenant's ~320k preference rows are never one 40-million-character value (held
 * by Node and copied by the database driver) while the statements stay few (64 for that tenant).
 */
export const CHUNK_ROWS = 5000;

export function* chunks<T>(list: readonly T[], size = CHUNK_ROWS): Generator<readonly T[]> {
  for (let i = 0; i < list.length; i += size) yield list.slice(i, i + size);
}
