/** Times as messages show them. */

/** A time limit: `500ms`, `2s`, `1.5s`. */
export function seconds(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  return `${Number((ms / 1000).toFixed(1))}s`; // 1.5s, and 2s rather than 2.0s
}

/** A longer span, to the second: `2m`, `1h`, `1h 2m 5s` (under a minute as `seconds` says it). */
export function spanText(ms: number): string {
  if (ms < 60_000) return seconds(Math.round(ms));
  const total = Math.round(ms / 1000);
  const parts: [number, string][] = [
    [Math.floor(total / 3600), 'h'],
    [Math.floor((total % 3600) / 60), 'm'],
    [total % 60, 's'],
  ];
  return parts
    .filter(([n]) => n > 0)
    .map(([n, u]) => `${n}${u}`)
    .join(' ');
}
