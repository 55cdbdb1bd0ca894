import { describe, expect, it } from 'vitest';
import { baseUsername, uniqueUsername } from '../../src/core/username.js';

describe('baseUsername', () => {
  it.each([
    ['Jane.Doe@acme.com', 'jane.doe'],
    ['josé.núñez@acme.com', 'jose.nunez'],
    ["sean.o'brien@acme.com", 'sean.obrien'],
    ['søren.østergaard@acme.com', 'soren.ostergaard'],
    ['zoë.ångström@acme.com', 'zoe.angstrom'],
    ['jane_contoso.com#EXT#@acme.onmicrosoft.com', 'jane_contoso.com'],
    ['..odd..name..@acme.com', 'odd.name'],
    ['日本@acme.com', 'user'],
  ])('%s → %s', (upn, expected) => {
    expect(baseUsername(upn)).toBe(expected);
  });

  it('keeps at most 64 characters', () => {
    expect(baseUsername(`${'a'.repeat(80)}@acme.com`)).toHaveLength(64);
  });
});

describe('uniqueUsername', () => {
  it('adds the lowest free numeric suffix', () => {
    const taken = new Set(['rene.muller', 'rene.muller2']);
    expect(uniqueUsername('rene.muller', (n) => taken.has(n))).toBe('rene.muller3');
  });

  it('stays within 64 characters with a suffix', () => {
    const base = 'a'.repeat(64);
    expect(uniqueUsername(base, (n) => n === base)).toBe(`${'a'.repeat(63)}2`);
  });
});
