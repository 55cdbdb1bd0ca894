/** The state store on PostgreSQL (keyv's adapter): round trip, and failures that stop the run. */
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { EMPTY_STORED_STATE, type StoredTenantState } from '../../src/model/stored-state.js';
import { openStateStore } from '../../src/state/state-store.js';
import { PG_SKIP_REASON, PG_URL, createDatabase, dropDatabases, withClient } from '../support/postgres.js';

afterAll(dropDatabases);

const state: StoredTenantState = {
  version: 2,
  keyId: 'k1-0123456789abcdef',
  accounts: { 'id-1': { username: 'alice', extensions: ['1001'], generation: 2, status: 'active' } },
  retired: ['1002'],
};

describe.skipIf(!PG_URL)(`PostgreSQL state store${PG_URL ? '' : ` (${PG_SKIP_REASON})`}`, () => {
  it("round-trips per tenant in its own table, next to (not inside) Kamailio's tables", async () => {
    const url = await createDatabase({ kamailio: true });
    const store = openStateStore(url);
    expect(await store.load('acme')).toEqual(EMPTY_STORED_STATE);
    await store.save('acme', state);
    await store.save('globex', EMPTY_STORED_STATE);
    await store.close();
    const again = openStateStore(url);
    expect(await again.load('acme')).toEqual(state);
    expect(await again.load('globex')).toEqual(EMPTY_STORED_STATE);
    await again.close();
    const keys = await withClient(url, (c) => c.query('SELECT key FROM pbxsync_state ORDER BY key'));
    expect(keys.rows.map((r) => r.key)).toEqual(['pbxsync:tenant:acme', 'pbxsync:tenant:globex']);
  });

  it('throws a one-line error when the database is down or refuses the login, instead of starting afresh', async () => {
    const down = new URL(PG_URL);
    down.port = '1';
    const wrong = new URL(PG_URL);
    wrong.password = 'wrong-s3cret';
    for (const [url, message] of [
      [down.toString(), /^cannot connect to the state database .*: connection refused$/],
      [wrong.toString(), /^the state database .* refused the login of .*: password authentication failed$/],
    ] as const) {
      const store = openStateStore(url);
      const error = await store.load('acme').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UserError);
      expect((error as Error).message).toMatch(message);
      expect((error as UserError).hint).toContain('state.url');
      expect(JSON.stringify([(error as Error).message, (error as UserError).hint])).not.toContain('s3cret');
      await store.close();
    }
  });
});
