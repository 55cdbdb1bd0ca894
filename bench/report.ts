/**
 * The bench's output: a Markdown table of phase × size × backend (wall time, peak RSS, Graph
 * requests, floor and ratio), the growth from the smallest to the largest size, and a legend,
 * ready to paste into the README. Only prints what was measured; it judges nothing.
 */
import type { Measured, Phase, ScenarioResult } from './scenario.js';

const CLI_PHASES: readonly Phase[] = ['first plan', 'first apply', 'first re-sync (full plan)', 'no-change re-sync', '1% changed re-sync'];
const FLOORS: readonly Phase[] = ['paging floor', 'insert floor', 'hash floor'];

const GOALS: Partial<Record<Phase, string>> = {
  'first plan': 'ratio ≤ 1.5',
  'first apply': 'ratio ≤ 2; 20k: < 20 s, < 300 MiB',
  'no-change re-sync': '≤ 2 requests, < 2 s',
};

const s = (ms: number): string => (ms / 1000).toFixed(2);
const n = (x: number): string => x.toLocaleString('en');

function find(rows: readonly Measured[], phase: Phase): Measured | undefined {
  return rows.find((r) => r.phase === phase);
}

/** The floor a phase is compared with, and the ratio (see the legend), when it has one. */
function floorAndRatio(rows: readonly Measured[], r: Measured): { floor: string; ratio: string } {
  const none = { floor: '', ratio: '' };
  if (r.phase === 'first plan') {
    const paging = find(rows, 'paging floor');
    return paging ? { floor: s(paging.wallMs), ratio: (r.wallMs / paging.wallMs).toFixed(2) } : none;
  }
  if (r.phase === 'first apply') {
    const [plan, insert, hash] = [find(rows, 'first plan'), find(rows, 'insert floor'), find(rows, 'hash floor')];
    if (!plan || !insert || !hash) return none;
    const floor = insert.wallMs + hash.wallMs;
    return { floor: s(floor), ratio: ((r.wallMs - plan.wallMs) / floor).toFixed(2) };
  }
  return none;
}

export function phaseTable(results: readonly ScenarioResult[]): string {
  const lines = ['| phase | users | backend | wall s | peak RSS MiB | Graph requests | floor s | ratio | goal |', '|---|--:|---|--:|--:|--:|--:|--:|---|'];
  for (const result of results) {
    for (const phase of [...CLI_PHASES, ...FLOORS]) {
      const r = find(result.rows, phase);
      if (!r) continue;
      const { floor, ratio } = floorAndRatio(result.rows, r);
      const requests = phase === 'insert floor' || phase === 'hash floor' ? '' : n(r.graphRequests);
      const name = FLOORS.includes(phase) ? `*${phase}*` : phase;
      lines.push(
        `| ${name} | ${n(r.size)} | ${r.backend} | ${s(r.wallMs)} | ${Math.round(r.peakRssMb)} | ${requests} | ${floor} | ${ratio} | ${GOALS[phase] ?? ''} |`,
      );
    }
    if (result.failure) lines.push(`| **failed** | ${n(result.size)} | ${result.backend} | | | | | | see stderr |`);
  }
  return lines.join('\n');
}

/**
 * Per-user time at a larger size over a smaller one, per phase and backend (1.0 is linear):
 * smallest → largest, and each size → the next when there are more than two.
 */
export function growthTable(results: readonly ScenarioResult[]): string {
  const sizes = [...new Set(results.map((r) => r.size))].sort((a, b) => a - b);
  if (sizes.length < 2) return '';
  const pairs: [number, number][] =
    sizes.length > 2
      ? [...sizes.slice(1).map((size, i): [number, number] => [sizes[i]!, size]), [sizes[0]!, sizes[sizes.length - 1]!]]
      : [[sizes[0]!, sizes[1]!]];
  const lines = [`| phase | backend | ${pairs.map(([a, b]) => `growth ${n(a)} → ${n(b)}`).join(' | ')} |`, `|---|---|${pairs.map(() => '--:|').join('')}`];
  for (const backend of [...new Set(results.map((r) => r.backend))]) {
    const at = (size: number, phase: Phase) => find(results.find((r) => r.size === size && r.backend === backend)?.rows ?? [], phase);
    for (const phase of [...CLI_PHASES, ...FLOORS]) {
      const cells = pairs.map(([small, large]) => {
        const [a, b] = [at(small, phase), at(large, phase)];
        return a && b ? (b.wallMs / large / (a.wallMs / small)).toFixed(2) : '';
      });
      if (cells.some((c) => c !== '')) lines.push(`| ${phase} | ${backend} | ${cells.join(' | ')} |`);
    }
  }
  return lines.join('\n');
}

export function legend(results: readonly ScenarioResult[], latencyMs: number): string {
  // One line per size when the backends wrote and said the same (they should).
  const lines = new Map<string, { size: number; backends: string[]; text: string }>();
  for (const r of results.filter((x) => x.written)) {
    const said = r.rows.filter((m) => m.said).map((m) => `${m.phase} \`${m.said}\``);
    const text = `the first apply wrote ${r.written}; ${said.join('; ')}`;
    const line = lines.get(`${r.size} ${text}`) ?? { size: r.size, backends: [], text };
    line.backends.push(r.backend);
    lines.set(`${r.size} ${text}`, line);
  }
  const written = [...lines.values()].map((l) => `- ${n(l.size)} users (${l.backends.join(', ')}): ${l.text}`);
  return [
    `Graph emulator latency ${latencyMs} ms per Graph request (token requests undelayed). CLI phases: wall time of the \`pbxsync\` process, spawn to exit (Node start-up included); *floors*: the work alone, timed inside their own process.`,
    '- ratio of **first plan** = first plan / paging floor.',
    '- ratio of **first apply** = (first apply − first plan) / (insert floor + hash floor): what the apply adds to the read and plan (hashing, the write, the spreadsheet), against the cheapest way to hash and insert the same rows.',
    '- growth = (time / users) at the larger size ÷ (time / users) at the smaller; 1.0 is linear, fixed costs (Node start-up, loading modules, schema checks) pull it below.',
    ...written,
  ].join('\n');
}
