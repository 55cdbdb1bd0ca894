import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/cli/duration.js';

describe('--lock-timeout durations', () => {
  it.each([
    ['30s', 30_000],
    ['2m', 120_000],
    ['90', 90_000],
    ['0', 0],
    ['1.5s', 1500],
    ['250ms', 250],
    ['1h', 3_600_000],
  ])('%s → %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 'soon', '-5s', '5 minutes', '1d'])('refuses %j', (text) => {
    expect(() => parseDuration(text)).toThrow(/expected a duration/);
  });
});
