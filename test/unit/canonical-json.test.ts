import { describe, expect, it } from 'vitest';
import { canonicalJson, writeCanonicalJson } from '../../src/core/canonical-json.js';

const pieces = (value: unknown) => {
  const out: string[] = [];
  writeCanonicalJson(value, (p) => out.push(p));
  return out;
};

describe('writeCanonicalJson', () => {
  it('gives exactly the text of canonicalJson, keys sorted and undefined members left out', () => {
    const values: unknown[] = [
      null,
      0,
      -1.5,
      'a"b\n',
      true,
      [],
      {},
      [1, [2, { b: 1, a: [undefined, null] }]],
      { z: undefined, y: { d: 1, c: 'x' }, a: '\u2028' },
    ];
    for (const v of values) expect(pieces(v).join('')).toBe(canonicalJson(v));
  });

  it('hands a large document over in pieces of about 64 KB, never as one string', () => {
    const doc = {
      changes: Array.from({ length: 5_000 }, (_, i) => ({ kind: 'create', after: { username: `user${i}`, preferences: { b: `${i}`, a: 'x'.repeat(20) } } })),
    };
    const out = pieces(doc);
    expect(out.join('')).toBe(canonicalJson(doc));
    expect(out.length).toBeGreaterThan(5);
    expect(Math.max(...out.map((p) => p.length))).toBeLessThan(70_000);
  });
});
