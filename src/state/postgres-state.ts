/**
 * The state store on PostgreSQL (`state.url: postgres://…`), through keyv's PostgreSQL
 * adapter, for teams that run pbxsync from several machines. It keeps its rows in its own
 * table, `pbxsync_state` (created on first use), never in Kamailio's tables.
 */
import KeyvPostgres from '@keyv/postgres';
import Keyv from 'keyv';
import { pgUserError } from '../pbx/postgres-errors.js';
import { parsePgUrl } from '../pbx/postgres-url.js';

export const STATE_TABLE = 'pbxsync_state';

export function openPostgresKeyv(url: string): Keyv {
  const target = parsePgUrl(url);
  const store = new KeyvPostgres({ uri: url, table: STATE_TABLE, application_name: 'pbxsync state' });
  // Every read and write goes through `query`: turn connection and login failures into one
  // clear line that names the database without its password.
  const query = store.query;
  store.query = async (sql: string, values?: unknown) => {
    try {
      return await query(sql, values);
    } catch (err) {
      throw pgUserError(err, target, 'state database');
    }
  };
  const keyv = new Keyv({ store, namespace: 'pbxsync', throwOnErrors: true });
  // keyv swallows store errors by default: an unreachable state must stop the run, not look empty.
  keyv.on('error', () => undefined);
  return keyv;
}
