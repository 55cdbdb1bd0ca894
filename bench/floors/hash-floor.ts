/**
 * Hash floor (a child of the bench): the credential work an apply cannot avoid, for the
 * accounts the first apply wrote (from the dump): derive SIP and softphone passwords and
 * HA1/HA1B (`CredentialDeriver`), and hash every softphone password with the default policy
 * (`hashSoftphonePassword`, on libuv's thread pool, all at once as the apply does). Checks that
 * the derived HA1 equal the dumped rows, so the floor did the apply's work with the apply's key.
 * Prints `{"ms":…,"accounts":…}`; `ms` excludes reading the dump and the key.
 *   node hash-floor.js DUMP.json TENANT DOMAIN   (key from PBXSYNC_MASTER_KEY_FILE)
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { CredentialDeriver } from '../../src/credentials/credentials.js';
import { loadMasterKey } from '../../src/credentials/master-key.js';
import { hashSoftphonePassword } from '../../src/credentials/softphone-hash.js';
import type { AccountView } from '../../src/model/plan.js';
import type { TableRows } from '../pbx-rows.js';

const [dumpFile, tenant, domain] = process.argv.slice(2) as [string, string, string];
const dump = JSON.parse(readFileSync(dumpFile, 'utf8')) as TableRows[];

function table(name: string): TableRows {
  const t = dump.find((x) => x.table === name);
  if (!t) throw new Error(`the dump has no ${name} rows`);
  return t;
}

/** uuid, username and generation of every account, from its `pbxsync_generation` preference. */
function accounts(): Pick<AccountView, 'objectId' | 'username' | 'generation'>[] {
  const prefs = table('usr_preferences');
  const [uuid, username, attribute, value] = ['uuid', 'username', 'attribute', 'value'].map((c) => prefs.columns.indexOf(c));
  return prefs.rows
    .filter((r) => r[attribute!] === 'pbxsync_generation')
    .map((r) => ({ objectId: String(r[uuid!]), username: String(r[username!]), generation: Number(r[value!]) }));
}

const list = accounts();
const deriver = new CredentialDeriver(loadMasterKey(process.env).key, tenant, domain);
const t0 = performance.now();
const derived = list.map((a) => deriver.derive(a as AccountView));
await Promise.all(derived.map((c) => hashSoftphonePassword(c.softphonePassword)));
const ms = performance.now() - t0;

const subscribers = table('subscriber');
const [user, ha1] = [subscribers.columns.indexOf('username'), subscribers.columns.indexOf('ha1')];
const stored = new Map(subscribers.rows.map((r) => [String(r[user]), String(r[ha1])]));
const wrong = list.filter((a, i) => stored.has(a.username) && stored.get(a.username) !== derived[i]!.ha1).length;
if (wrong > 0) throw new Error(`${wrong} derived HA1 differ from the PBX rows: not the apply's key or derivation`);
process.stdout.write(`${JSON.stringify({ ms, accounts: list.length })}\n`);
