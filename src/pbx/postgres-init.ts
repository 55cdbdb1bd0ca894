/**
 * `pbxsync pbx init postgres://…`: runs Kamailio's own PostgreSQL scripts (shipped by the
 * distribution's kamailio package, never copied into pbxsync) for the tables that are not
 * there yet, in one transaction. Tables at the expected versions are left alone.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { UserError } from '../errors.js';
import { tablesToCreate, type KamailioTable, type SchemaHints } from './kamailio-schema.js';
import { readFacts } from './postgres-rows.js';

/** Where Debian's and Ubuntu's `kamailio` package installs them. */
export const DEFAULT_SQL_DIR = '/usr/share/kamailio/postgres';

/** Which script creates which of our tables (domain-create.sql makes two). */
const SCRIPTS: readonly { readonly file: string; readonly tables: readonly KamailioTable[] }[] = [
  { file: 'standard-create.sql', tables: ['version'] },
  { file: 'auth_db-create.sql', tables: ['subscriber'] },
  { file: 'alias_db-create.sql', tables: ['dbaliases'] },
  { file: 'avpops-create.sql', tables: ['usr_preferences'] },
  { file: 'domain-create.sql', tables: ['domain', 'domain_attrs'] },
];

function scriptText(dir: string, file: string): string {
  const path = join(dir, file);
  if (!existsSync(path)) {
    throw new UserError(
      `Kamailio's PostgreSQL script ${path} is missing`,
      'install the kamailio package (Debian: apt-get install kamailio), or point --sql-dir at a folder with its postgres/*-create.sql',
    );
  }
  return readFileSync(path, 'utf8');
}

export async function initFromSqlDir(db: pg.Client, dir: string, hints: SchemaHints): Promise<void> {
  await db.query('BEGIN');
  try {
    // Two inits at once must not both find the tables missing (key: pbxsync's lock namespace, 0).
    await db.query('SELECT pg_advisory_xact_lock(1885501555, 0)');
    const create = new Set(tablesToCreate(await readFacts(db), hints));
    for (const script of SCRIPTS) {
      const wanted = script.tables.filter((t) => create.has(t));
      if (wanted.length === 0) continue;
      if (wanted.length !== script.tables.length) {
        throw new UserError(
          `${script.file} creates ${script.tables.join(' and ')}, but only ${wanted.join(', ')} is missing`,
          'restore the missing table from a backup, or drop the other one (and its version row) and run init again',
        );
      }
      await db.query(scriptText(dir, script.file));
    }
    await db.query('COMMIT');
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
