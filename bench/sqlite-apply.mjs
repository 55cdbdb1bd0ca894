// Bench: SQLite PBX apply for 1,000 vs 20,000 subscribers (1 alias + 18 preferences each).
// Shows that apply/read stay linear (time per 1k rows about equal) and how much memory they use.
// Run by hand after a build:   npm run build && node bench/sqlite-apply.mjs
// Each size runs in its own child process, so that peak RSS belongs to that size alone.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqlitePbxProvider } from '../dist/pbx/sqlite-provider.js';

const SIZES = [1_000, 20_000];
const PREFS_PER_USER = 18;
const DOMAIN = 'bench.example';

function insertOps(users) {
  const ids = Array.from({ length: users }, (_, i) => i);
  return {
    domain: DOMAIN,
    did: 'bench',
    createDomain: { did: 'bench', attrs: { pbxsync_tenant: 'bench' } },
    deleteSubscribers: [],
    deleteAliases: [],
    deletePreferencesOf: [],
    deletePreferences: [],
    renameAccounts: [],
    insertSubscribers: ids.map((i) => ({ username: `user${i}`, password: '', ha1: 'a'.repeat(32), ha1b: 'b'.repeat(32) })),
    insertAliases: ids.map((i) => ({ aliasUsername: String(100000 + i), username: `user${i}` })),
    insertPreferences: ids.flatMap((i) =>
      Array.from({ length: PREFS_PER_USER }, (_, p) => ({
        uuid: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`,
        username: `user${i}`,
        attribute: `attribute_${p}`,
        type: p % 2,
        value: `value of ${p} for user ${i}`,
      })),
    ),
  };
}

function deleteOps(users) {
  const ids = Array.from({ length: users }, (_, i) => i);
  return {
    ...insertOps(0),
    createDomain: null,
    deleteSubscribers: ids.map((i) => `user${i}`),
    deleteAliases: ids.map((i) => ({ aliasUsername: String(100000 + i), username: `user${i}` })),
    deletePreferencesOf: ids.map((i) => `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`),
  };
}

async function timed(fn) {
  const start = process.hrtime.bigint();
  const result = await fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, result };
}

async function runOne(users) {
  const dir = mkdtempSync(join(tmpdir(), 'pbxsync-bench-'));
  const pbx = new SqlitePbxProvider(join(dir, 'pbx.sqlite'));
  await pbx.init();
  const ops = insertOps(users);
  const inputRssMb = process.memoryUsage().rss / 1024 / 1024;
  const insert = await timed(() => pbx.apply(ops));
  const read = await timed(() => pbx.read(DOMAIN, 'bench'));
  const remove = await timed(() => pbx.apply(deleteOps(users), read.result.fingerprint));
  await pbx.close();
  rmSync(dir, { recursive: true, force: true });
  const rows = users * (2 + PREFS_PER_USER);
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  return { users, rows, insertMs: insert.ms, readMs: read.ms, deleteMs: remove.ms, inputRssMb, maxRssMb };
}

function perK(ms, rows) {
  return (ms / rows) * 1000;
}

function report(results) {
  const fmt = (n) => n.toFixed(1).padStart(8);
  console.log('users    rows      insert ms (/1k rows)   read ms (/1k rows)   delete+check ms (/1k rows)   peak RSS MB (after building input)');
  for (const r of results) {
    console.log(
      `${String(r.users).padEnd(8)} ${String(r.rows).padEnd(9)} ${fmt(r.insertMs)} (${perK(r.insertMs, r.rows).toFixed(2)})` +
        `      ${fmt(r.readMs)} (${perK(r.readMs, r.rows).toFixed(2)})` +
        `       ${fmt(r.deleteMs)} (${perK(r.deleteMs, r.rows).toFixed(2)})              ${r.maxRssMb.toFixed(0)} (${r.inputRssMb.toFixed(0)})`,
    );
  }
  const [small, large] = results;
  const ratio = (key) => (perK(large[key], large.rows) / perK(small[key], small.rows)).toFixed(2);
  console.log(
    `per-row time ratio ${large.users}/${small.users} (1.0 = linear): ` +
      `insert ${ratio('insertMs')}, read ${ratio('readMs')}, delete+check ${ratio('deleteMs')}`,
  );
}

const size = Number(process.argv[2]);
if (size > 0) {
  console.log(JSON.stringify(await runOne(size)));
} else {
  const self = fileURLToPath(import.meta.url);
  const results = SIZES.map((n) => JSON.parse(execFileSync(process.execPath, [self, String(n)], { encoding: 'utf8' })));
  report(results);
}
