/**
 * Bulk-insert floor (a child of the bench): the rows the first apply wrote (a dump from
 * `pbx-rows.ts`), written into a fresh database that `pbxsync pbx init` made, in one
 * transaction and the cheapest plain way each backend offers:
 *   SQLite: one prepared INSERT per table, run per row, in one IMMEDIATE transaction, WAL mode
 *           (as the provider sets it);
 *   PostgreSQL: one `INSERT … SELECT * FROM unnest($1::type[], …)` per table (every row in
 *           one statement, the way COPY would stream it), between BEGIN and COMMIT.
 * Prints `{"ms":…,"rows":…}`; `ms` is BEGIN to COMMIT (not connecting, not reading the dump).
 *   node insert-floor.js DUMP.json sqlite:PATH | postgres://…
 */
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { TableRows } from '../pbx-rows.js';

const [dumpFile, target] = process.argv.slice(2) as [string, string];
const dump = JSON.parse(readFileSync(dumpFile, 'utf8')) as TableRows[];
const rows = dump.reduce((n, t) => n + t.rows.length, 0);

function sqliteInsert(path: string): number {
  const db = new Database(path, { fileMustExist: true });
  try {
    db.pragma('journal_mode = WAL');
    const statements = dump.map((t) => ({
      t,
      stmt: db.prepare(`INSERT INTO ${t.table} (${t.columns.join(', ')}) VALUES (${t.columns.map(() => '?').join(', ')})`),
    }));
    const t0 = performance.now();
    db.transaction(() => {
      for (const { t, stmt } of statements) for (const row of t.rows) stmt.run(...row);
    }).immediate();
    return performance.now() - t0;
  } finally {
    db.close();
  }
}

async function postgresInsert(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const types = await columnTypes(client);
    const statements = dump.map((t) => ({
      text: `INSERT INTO ${t.table} (${t.columns.join(', ')}) SELECT * FROM unnest(${t.columns.map((c, i) => `$${i + 1}::${types.get(`${t.table}.${c}`) ?? 'text'}[]`).join(', ')})`,
      values: t.columns.map((_, i) => t.rows.map((r) => r[i])),
    }));
    const t0 = performance.now();
    await client.query('BEGIN');
    for (const s of statements) await client.query(s);
    await client.query('COMMIT');
    return performance.now() - t0;
  } finally {
    await client.end();
  }
}

async function columnTypes(client: pg.Client): Promise<Map<string, string>> {
  const r = await client.query<{ t: string; c: string; udt: string }>(
    `SELECT table_name AS t, column_name AS c, udt_name AS udt FROM information_schema.columns WHERE table_schema = current_schema()`,
  );
  return new Map(r.rows.map((x) => [`${x.t}.${x.c}`, x.udt]));
}

const ms = target.startsWith('sqlite:') ? sqliteInsert(target.slice('sqlite:'.length)) : await postgresInsert(target);
process.stdout.write(`${JSON.stringify({ ms, rows })}\n`);
