/** `--lock-timeout` values: `90` or `90s` (seconds), `2m`, `1h`, `500ms`. */
import { InvalidArgumentError } from 'commander';

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, '': 1000, m: 60_000, h: 3_600_000 };

export function parseDuration(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|)\s*$/i.exec(text);
  if (!match) throw new InvalidArgumentError('expected a duration like 30s, 2m or 90 (seconds)');
  return Math.round(Number(match[1]) * UNITS[match[2]!.toLowerCase()]!);
}
