/**
 * The rows one tenant has in the PBX, table by table (every column but the serial `id`), as
 * the apply wrote them: dumped after the first apply so that the insert floor writes exactly
 * the same rows, and the hash floor derives credentials for exactly the same accounts.
 */
import Database from 'better-sqlite3';
import pg from 'pg';

export interface TableRows {
  readonly table: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly unknown[])[];
}

/** Kamailio's tables in creation order, and which column ties a row to the tenant. */
const TENANT_TABLES: readonly { table: string; key: 'domain' | 'did'; column: string }[] = [
  { table: 'domain', key: 'domain', column: 'domain' },
  { table: 'domain_attrs', key: 'did', column: 'did' },
  { table: 'subscriber', key: 'domain', column: 'domain' },
  { table: 'dbaliases', key: 'domain', column: 'alias_domain' },
  { table: 'usr_preferences', key: 'domain', column: 'domain' },
];

export async function dumpTenantRows(pbxUrl: string, tenant: { domain: string; did: string }): Promise<TableRows[]> {
  return pbxUrl.startsWith('sqlite:') ? dumpSqlite(pbxUrl.slice('sqlite:'.length), tenant) : dumpPostgres(pbxUrl, tenant);
}

function dumpSqlite(path: string, tenant: { domain: string; did: string }): TableRows[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return TENANT_TABLES.map(({ table, key, column }) => {
      const stmt = db.prepare(`SELECT * FROM ${table} WHERE ${column} = ?`).raw(true);
      const names = stmt.columns().map((c) => c.name);
      const keep = names.map((n, i) => (n === 'id' ? -1 : i)).filter((i) => i >= 0);
      const rows = (stmt.all(tenant[key]) as unknown[][]).map((r) => keep.map((i) => r[i]));
      return { table, columns: keep.map((i) => names[i]!), rows };
    });
  } finally {
    db.close();
  }
}

async function dumpPostgres(url: string, tenant: { domain: string; did: string }): Promise<TableRows[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const dumps: TableRows[] = [];
    for (const { table, key, column } of TENANT_TABLES) {
      // Every value as PostgreSQL's text: timestamps stay as written, nothing is reinterpreted.
      const r = await client.query({
        text: `SELECT * FROM ${table} WHERE ${column} = $1`,
        values: [tenant[key]],
        rowMode: 'array',
        types: { getTypeParser: () => (v: string) => v },
      });
      const keep = r.fields.map((f, i) => (f.name === 'id' ? -1 : i)).filter((i) => i >= 0);
      dumps.push({ table, columns: keep.map((i) => r.fields[i]!.name), rows: (r.rows as unknown[][]).map((row) => keep.map((i) => row[i])) });
    }
    return dumps;
  } finally {
    await client.end();
  }
}

/** "17,700 subscriber, 17,700 dbaliases, …" */
export function describeRows(dump: readonly TableRows[]): string {
  return dump.map((t) => `${t.rows.length.toLocaleString('en')} ${t.table}`).join(', ');
}
