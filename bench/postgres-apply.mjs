// Bench: the PBX apply of 1,000 and 20,000 subscribers (1 alias + 18 preferences each) on
// PostgreSQL next to SQLite: time per 1k rows (linearity), PostgreSQL/SQLite time ratio, peak RSS.
// Run by hand after a build, against a role that may CREATE DATABASE:
//   npm run build && PBXSYNC_BENCH_POSTGRES_URL=postgres://user:pw@127.0.0.1/postgres node bench/postgres-apply.mjs
// Each (backend, size) runs in its own child process, so that peak RSS belongs to it alone.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { PostgresPbxProvider } from '../dist/pbx/postgres-provider.js';
import { SqlitePbxProvider } from '../dist/pbx/sqlite-provider.js';

const SIZES = [1_000, 20_000];
const PREFS_PER_USER = 18;
const DOMAIN = 'bench.example';
const ADMIN_URL = process.env.PBXSYNC_BENCH_POSTGRES_URL ?? process.env.PBXSYNC_TEST_POSTGRES_URL;
const SQL_DIR = process.env.PBXSYNC_TEST_KAMAILIO_SQL_DIR ?? '/usr/share/kamailio/postgres';

const uuid = (i) => `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`;
const empty = { domain: DOMAIN, did: 'bench', createDomain: null, deleteSubscribers: [], deleteAliases: [], deletePreferencesOf: [], deletePreferences: [], renameAccounts: [], insertSubscribers: [], insertAliases: [], insertPreferences: [] };

function insertOps(users) {
  const ids = Array.from({ length: users }, (_, i) => i);
  return {
    ...empty,
    createDomain: { did: 'bench', attrs: { pbxsync_tenant: 'bench' } },
    insertSubscribers: ids.map((i) => ({ username: `user${i}`, password: '', ha1: 'a'.repeat(32), ha1b: 'b'.repeat(32) })),
    insertAliases: ids.map((i) => ({ aliasUsername: String(100000 + i), username: `user${i}` })),
    insertPreferences: ids.flatMap((i) =>
      Array.from({ length: PREFS_PER_USER }, (_, p) => ({ uuid: uuid(i), username: `user${i}`, attribute: `attribute_${p}`, type: p % 2, value: `value of ${p} for user ${i}` })),
    ),
  };
}

function deleteOps(users) {
  const ids = Array.from({ length: users }, (_, i) => i);
  return {
    ...empty,
    deleteSubscribers: ids.map((i) => `user${i}`),
    deleteAliases: ids.map((i) => ({ aliasUsername: String(100000 + i), username: `user${i}` })),
    deletePreferencesOf: ids.map(uuid),
  };
}

async function withAdmin(fn) {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function open(backend) {
  if (backend === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'pbxsync-bench-'));
    return { pbx: new SqlitePbxProvider(join(dir, 'pbx.sqlite')), drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `pbxsync_bench_${process.pid}`;
  await withAdmin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return { pbx: new PostgresPbxProvider(url.toString(), { sqlDir: SQL_DIR }), drop: () => withAdmin((c) => c.query(`DROP DATABASE ${name}`)) };
}

async function timed(fn) {
  const start = process.hrtime.bigint();
  const result = await fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, result };
}

async function runOne(backend, users) {
  const { pbx, drop } = await open(backend);
  await pbx.init();
  const insert = await timed(() => pbx.apply(insertOps(users)));
  const read = await timed(() => pbx.read(DOMAIN, 'bench'));
  const remove = await timed(() => pbx.apply(deleteOps(users), read.result.fingerprint));
  await pbx.close();
  await drop();
  return { backend, users, rows: users * (2 + PREFS_PER_USER), insertMs: insert.ms, readMs: read.ms, deleteMs: remove.ms, maxRssMb: process.resourceUsage().maxRSS / 1024 };
}

const perK = (ms, rows) => (ms / rows) * 1000;

function report(results) {
  const fmt = (n) => n.toFixed(0).padStart(7);
  console.log('backend     users   rows      insert ms (/1k)     read ms (/1k)     delete+check ms (/1k)   peak RSS MB');
  for (const r of results) {
    console.log(
      `${r.backend.padEnd(11)} ${String(r.users).padEnd(7)} ${String(r.rows).padEnd(9)} ${fmt(r.insertMs)} (${perK(r.insertMs, r.rows).toFixed(2)})` +
        `      ${fmt(r.readMs)} (${perK(r.readMs, r.rows).toFixed(2)})     ${fmt(r.deleteMs)} (${perK(r.deleteMs, r.rows).toFixed(2)})          ${r.maxRssMb.toFixed(0)}`,
    );
  }
  const find = (b, n) => results.find((r) => r.backend === b && r.users === n);
  const [small, large] = SIZES;
  for (const b of ['postgres', 'sqlite']) {
    const [s, l] = [find(b, small), find(b, large)];
    const ratio = (k) => (perK(l[k], l.rows) / perK(s[k], s.rows)).toFixed(2);
    console.log(`${b}: per-row time ratio ${large}/${small} (1.0 = linear): insert ${ratio('insertMs')}, read ${ratio('readMs')}, delete+check ${ratio('deleteMs')}`);
  }
  const [p, q] = [find('postgres', large), find('sqlite', large)];
  const r = (k) => (p[k] / q[k]).toFixed(2);
  console.log(`postgres/sqlite time at ${large} users: insert ${r('insertMs')}, read ${r('readMs')}, delete+check ${r('deleteMs')}; peak RSS ${p.maxRssMb.toFixed(0)} vs ${q.maxRssMb.toFixed(0)} MB`);
}

const [backendArg, sizeArg] = process.argv.slice(2);
if (backendArg) {
  console.log(JSON.stringify(await runOne(backendArg, Number(sizeArg))));
} else {
  if (!ADMIN_URL) {
    console.error('set PBXSYNC_BENCH_POSTGRES_URL (a role that may CREATE DATABASE)');
    process.exit(1);
  }
  const self = fileURLToPath(import.meta.url);
  const results = [];
  for (const backend of ['sqlite', 'postgres']) {
    for (const n of SIZES) results.push(JSON.parse(execFileSync(process.execPath, [self, backend, String(n)], { encoding: 'utf8' })));
  }
  report(results);
}
