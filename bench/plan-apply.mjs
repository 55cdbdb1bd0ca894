#!/usr/bin/env node
// Whole pipeline at 1,000 and 20,000 users (run by hand after `npm run build`):
// plan on an empty SQLite PBX, derive credentials + scrypt softphone hashes, apply, re-read and
// re-plan (must be empty). Prints seconds per phase, the 20k/1k ratio per user (1.0 = linear)
// and peak RSS. Usage: node bench/plan-apply.mjs [small=1000] [large=20000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { makePlan } from '../dist/core/make-plan.js';
import { buildRowOps } from '../dist/core/row-ops.js';
import { CredentialDeriver } from '../dist/credentials/credentials.js';
import { hashSoftphonePassword } from '../dist/credentials/softphone-hash.js';
import { SqlitePbxProvider } from '../dist/pbx/sqlite-provider.js';
import { EMPTY_STORED_STATE } from '../dist/model/stored-state.js';

const FIRST = ['Ana', 'Bo', 'Chloé', 'Dmitri', 'Eve', 'Fatima', 'Gus', 'Håkon', 'Ines', 'José'];
const LAST = ['Smith', 'Müller', "O'Neil", 'Ng', 'Østby', 'Kowalski', 'Dubois', 'Rossi', 'Tanaka', 'Silva'];

function users(n) {
  return Array.from({ length: n }, (_, i) => {
    const name = `${FIRST[i % 10]} ${LAST[Math.floor(i / 10) % 10]} ${Math.floor(i / 100)}`;
    return {
      id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      userPrincipalName: `${name.toLowerCase().replace(/ /g, '.')}@bench.example`,
      displayName: name, mail: null, accountEnabled: true, userType: 'Member', department: 'Ops',
    };
  });
}

function config(dir) {
  return {
    file: join(dir, 't.yaml'), name: 'bench', domain: 'bench.example',
    source: { type: 'snapshot', path: '', scope: { enabledOnly: true, membersOnly: true, domains: [] } },
    pbx: { url: '' }, extensions: { start: 100000, reserved: [{ from: 100500, to: 100599 }], reuse: 'never' },
    defaults: { language: 'en-US', dial_timeout: 25, max_concurrent_calls: 2, voicemail_to_email: true, area_code: '212' },
    users: [], leavers: 'disable', safety: { maxRemoveShare: 1, maxUpdateShare: 1, minExisting: 10 },
    spreadsheet: { path: '', phoneSetup: { registrar: 'x', transport: 'udp', port: 5060 } },
    state: { url: '' }, credentials: { storePlaintext: false },
  };
}

async function run(n) {
  const dir = mkdtempSync(join(tmpdir(), 'pbxsync-bench-'));
  const pbx = new SqlitePbxProvider(join(dir, 'pbx.sqlite'));
  await pbx.init();
  const cfg = config(dir);
  const creds = new CredentialDeriver(Buffer.alloc(32, 9), cfg.name, cfg.domain);
  const keyId = 'k1-0000000000000000';
  const directory = users(n);
  const t = {};
  let t0 = performance.now();
  const plan = makePlan({ config: cfg, directory, pbx: await pbx.read(cfg.domain, cfg.name), stored: EMPTY_STORED_STATE, credentials: creds, keyId });
  t.plan = performance.now() - t0;
  t0 = performance.now();
  const accounts = plan.changes.filter((c) => c.kind === 'create' && c.entity === 'subscriber').map((c) => c.after);
  const hashes = new Map(await Promise.all(accounts.map(async (a) => [a.objectId, await hashSoftphonePassword(creds.derive(a).softphonePassword)])));
  t.hash = performance.now() - t0;
  t0 = performance.now();
  const ops = buildRowOps(plan, {
    subscriber: (a) => ({ username: a.username, password: '', ha1: creds.derive(a).ha1, ha1b: creds.derive(a).ha1b }),
    softphoneHash: (a) => hashes.get(a.objectId),
  });
  await pbx.apply(ops, plan.pbxFingerprint);
  t.apply = performance.now() - t0;
  t0 = performance.now();
  const again = makePlan({ config: cfg, directory, pbx: await pbx.read(cfg.domain, cfg.name), stored: plan.nextState, credentials: creds, keyId });
  t.replan = performance.now() - t0;
  if (again.changes.length !== 0) throw new Error(`re-plan not empty: ${again.changes.length} changes`);
  await pbx.close();
  rmSync(dir, { recursive: true, force: true });
  return t;
}

const small = Number(process.argv[2] ?? 1000);
const large = Number(process.argv[3] ?? 20000);
const a = await run(small);
const b = await run(large);
console.log(`phase      ${String(small).padStart(8)} users ${String(large).padStart(8)} users   per-user ratio`);
for (const k of Object.keys(a)) {
  console.log(`${k.padEnd(10)} ${(a[k] / 1000).toFixed(2).padStart(10)} s ${(b[k] / 1000).toFixed(2).padStart(12)} s   ${((b[k] / large) / (a[k] / small)).toFixed(2)}`);
}
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
