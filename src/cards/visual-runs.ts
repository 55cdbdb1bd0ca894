/**
 * A line of text as runs in display order, for right-to-left names (Hebrew, Arabic): PDFKit
 * has no bidirectional layout, but its shaper (fontkit) lays out one run of a right-to-left
 * script right to left, joined and shaped. So the line is split where its embedding level
 * (Unicode bidi algorithm, bidi-js) changes, the runs are put in visual order (rule L2), and
 * a right-to-left run has its brackets mirrored and its words reversed: each piece is then
 * drawn on its own (a word of one script is one run for the shaper, which keeps the spaces).
 */
// A CommonJS package whose types declare an ES default export: at run time the factory is `default`.
import * as bidiJs from 'bidi-js';
import type { Bidi } from 'bidi-js';

const bidi = (bidiJs as unknown as { default: () => Bidi }).default();

export interface TextRun {
  readonly text: string;
  readonly rtl: boolean;
}

export function visualRuns(line: string): TextRun[] {
  if (!/[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]/u.test(line)) return [{ text: line, rtl: false }];
  const { levels } = bidi.getEmbeddingLevels(line);
  const runs: { text: string; level: number }[] = [];
  // Whole code points: a surrogate pair keeps one level.
  let i = 0;
  for (const ch of line) {
    const level = levels[i]!;
    const last = runs[runs.length - 1];
    if (last && last.level === level) last.text += ch;
    else runs.push({ text: ch, level });
    i += ch.length;
  }
  const max = Math.max(...runs.map((r) => r.level));
  const minOdd = Math.min(...runs.map((r) => r.level).filter((l) => l % 2 === 1), max + 1);
  for (let level = max; level >= minOdd; level--) reverseRunsAtOrAbove(runs, level);
  return runs.flatMap((r) => (r.level % 2 === 1 ? rtlPieces(r.text) : [{ text: r.text, rtl: false }]));
}

function rtlPieces(text: string): TextRun[] {
  const mirrored = bidi.getMirroredCharactersMap(text, new Uint8Array(text.length).fill(1));
  let chars = '';
  for (let i = 0; i < text.length; i++) chars += mirrored.get(i) ?? text[i];
  return chars
    .split(/(\s+)/u)
    .filter((t) => t !== '')
    .reverse()
    .map((t) => ({ text: t, rtl: true }));
}

function reverseRunsAtOrAbove(runs: { level: number }[], level: number): void {
  for (let start = 0; start < runs.length;) {
    if (runs[start]!.level < level) {
      start++;
      continue;
    }
    let end = start;
    while (end + 1 < runs.length && runs[end + 1]!.level >= level) end++;
    runs.splice(start, end - start + 1, ...runs.slice(start, end + 1).reverse());
    start = end + 1;
  }
}
