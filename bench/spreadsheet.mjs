// Bench: writing the credentials spreadsheet for 1,000 / 5,000 / 20,000 subscribers.
// Shows time and peak RSS of `writeSpreadsheet` (rows built first, as apply does).
// Run by hand after a build:   npm run build && node bench/spreadsheet.mjs [path/to/write-spreadsheet.js]
// The optional path compares another build (e.g. a copy of an older dist/); default: dist/.
// Each size runs in its own child process, so that peak RSS belongs to that size alone.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SIZES = [1_000, 5_000, 20_000];
const DEFAULT_MODULE = fileURLToPath(new URL('../dist/spreadsheet/write-spreadsheet.js', import.meta.url));

function password() {
  return randomBytes(18).toString('base64url').slice(0, 24);
}

function rows(count) {
  return Array.from({ length: count }, (_, i) => ({
    displayName: `User ${String(i).padStart(6, '0')}`,
    upn: `user${i}@bench.example`,
    email: `user${i}@bench.example`,
    extension: String(10000 + i),
    username: `user${i}`,
    domain: 'bench.example',
    sipPassword: password(),
    softphonePassword: password(),
    department: `Dept ${i % 17}`,
    status: i % 10 === 0 ? 'updated' : 'unchanged',
  }));
}

async function runOne(count, modulePath) {
  const { writeSpreadsheet } = await import(pathToFileURL(modulePath).href);
  const dir = mkdtempSync(join(tmpdir(), 'pbxsync-bench-'));
  const path = join(dir, 'bench.xlsx');
  const input = {
    tenant: 'bench',
    domain: 'bench.example',
    rows: rows(count),
    phoneSetup: { registrar: 'sip.bench.example', transport: 'tls', port: 5061 },
  };
  const inputRssMb = process.memoryUsage().rss / 1024 / 1024;
  const start = process.hrtime.bigint();
  await writeSpreadsheet(path, input);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const fileKb = statSync(path).size / 1024;
  rmSync(dir, { recursive: true, force: true });
  return { count, ms, inputRssMb, maxRssMb: process.resourceUsage().maxRSS / 1024, fileKb };
}

const [size, given] = process.argv.slice(2);
if (Number(size) > 0) {
  console.log(JSON.stringify(await runOne(Number(size), given ?? DEFAULT_MODULE)));
} else {
  const modulePath = resolve(size ?? DEFAULT_MODULE);
  const self = fileURLToPath(import.meta.url);
  console.log(`module: ${modulePath}`);
  console.log('rows     time ms   peak RSS MB (after building rows)   file KB');
  for (const n of SIZES) {
    const r = JSON.parse(execFileSync(process.execPath, [self, String(n), modulePath], { encoding: 'utf8' }));
    console.log(
      `${String(r.count).padEnd(8)} ${r.ms.toFixed(0).padStart(7)}   ${r.maxRssMb.toFixed(0).padStart(11)} (${r.inputRssMb.toFixed(0)})${' '.repeat(22)}${r.fileKb.toFixed(0)}`,
    );
  }
}
