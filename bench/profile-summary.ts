/**
 * Summarises V8 CPU profiles written by `npm run bench -- --cpu-prof DIR`: self time by area
 * (pbxsync's folders under dist/, each npm package, Node's internals, GC, idle), the
 * functions with the most self time, and pbxsync's functions by inclusive CPU time (what ran
 * beneath them, synchronously: time spent waiting on Graph or a database shows as idle).
 *   node .bench-out/bench/profile-summary.js DIR/20000-sqlite-first-apply.cpuprofile [top=15]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly children?: readonly number[];
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

const label = (f: ProfileNode['callFrame']): string => `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/dist\//, 'dist/')}:${f.lineNumber + 1}`;

/** Per function under dist/: the time of every sample with it on the stack (once per sample). */
function inclusiveOfPbxsync(profile: Profile, byId: Map<number, ProfileNode>): Map<string, number> {
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const totals = new Map<string, number>();
  profile.samples.forEach((leaf, i) => {
    const seen = new Set<string>();
    for (let id: number | undefined = leaf; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)!.callFrame;
      if (!frame.url.includes('/dist/') || frame.url.includes('/node_modules/')) continue;
      const key = label(frame);
      if (seen.has(key)) continue;
      seen.add(key);
      totals.set(key, (totals.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
    }
  });
  return totals;
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
  const inclusive = inclusiveOfPbxsync(profile, byId);
  const rows = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => `  ${(us / 1e6).toFixed(2).padStart(7)} s ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`);
  return [
    `${file}: ${(total / 1e6).toFixed(2)} s sampled`,
    'self time by area:',
    ...rows(areas),
    'self time by function:',
    ...rows(functions),
    'pbxsync functions by inclusive CPU time:',
    ...rows(inclusive),
  ].join('\n');
}

const [file, top = '15'] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node .bench-out/bench/profile-summary.js FILE.cpuprofile [top]\n');
  process.exitCode = 2;
} else {
  process.stdout.write(`${summarise(file, Number(top))}\n`);
}
