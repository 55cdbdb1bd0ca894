import { describe, expect, it } from 'vitest';
import { ExtensionPool } from '../../src/core/extension-pool.js';

describe('ExtensionPool', () => {
  it('hands out the lowest free numbers, skipping reserved and unavailable ones', () => {
    const pool = new ExtensionPool(1001, 1010, [{ from: 1003, to: 1005 }], new Set(['1002', '1007']));
    const taken = Array.from({ length: 4 }, () => pool.take());
    expect(taken).toEqual(['1001', '1006', '1008', '1009']);
  });

  it('returns null once the range is exhausted instead of wrapping', () => {
    const pool = new ExtensionPool(1, 2, [], new Set());
    expect([pool.take(), pool.take(), pool.take()]).toEqual(['1', '2', null]);
  });
});
