/**
 * Summarises V8 CPU profiles written by `npm run bench -- --cpu-prof DIR`: self time by area
 * (pbxsync's folders under dist/, each npm package, Node's internals, GC, idle) and the
 * functions with the most self time.
 *   node .bench-out/bench/profile-summary.js DIR/20000-sqlite-first-apply.cpuprofile [top=15]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** dist/core, node_modules/exceljs, node:internal, (garbage collector)… */
export function areaOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const dist = /\/dist\/([^/]+)\//.exec(url);
  if (dist) return `pbxsync ${dist[1]}`;
  if (url.startsWith('node:')) return 'node internals';
  return url.replace(/^file:\/\//, '');
}

function summarise(file: string, top: number): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    total += us;
    const area = areaOf(url, functionName);
    areas.set(area, (areas.get(area) ?? 0) + us);
    const name = `${functionName || '(anonymous)'} ${url ? `${url.replace(/^.*\/(dist|node_modules)\//, '$1/')}:${lineNumber + 1}` : ''}`.trim();
    functions.set(name, (functions.get(name) ?? 0) + us);
  }
  const rows = (m: Map<string, number>) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, us]) => `  ${(us / 1e6).toFixed(2).padStart(7)} s ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`);
  return [`${file}: ${(total / 1e6).toFixed(2)} s sampled`, 'self time by area:', ...rows(areas), 'self time by function:', ...rows(functions)].join('\n');
}

const [file, top = '15'] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node .bench-out/bench/profile-summary.js FILE.cpuprofile [top]\n');
  process.exitCode = 2;
} else {
  process.stdout.write(`${summarise(file, Number(top))}\n`);
}
