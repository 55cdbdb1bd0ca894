/**
 * Hands out extensions: the lowest free number at or above the start, within the range,
 * skipping reserved, taken and retired numbers. One upward pass for all new users, so
 * allocating N numbers costs O(N + taken), never O(N²).
 */
import type { ExtensionRange } from '../model/tenant-config.js';

export class ExtensionPool {
  private next: number;
  private readonly reserved: readonly ExtensionRange[];

  constructor(
    private readonly start: number,
    private readonly end: number | undefined,
    reserved: readonly ExtensionRange[],
    private readonly unavailable: ReadonlySet<string>,
  ) {
    this.next = start;
    this.reserved = [...reserved].sort((a, b) => a.from - b.from);
  }

  /** The next free number, or null once the range is exhausted. */
  take(): string | null {
    for (;;) {
      if (this.end !== undefined && this.next > this.end) return null;
      const skipTo = this.reservedEnd(this.next);
      if (skipTo !== null) {
        this.next = skipTo + 1;
        continue;
      }
      const candidate = String(this.next++);
      if (!this.unavailable.has(candidate)) return candidate;
    }
  }

  private reservedEnd(n: number): number | null {
    for (const r of this.reserved) {
      if (r.from > n) return null;
      if (n <= r.to) return r.to;
    }
    return null;
  }
}

export function isReserved(n: number, reserved: readonly ExtensionRange[]): boolean {
  return reserved.some((r) => n >= r.from && n <= r.to);
}

export function compareExtensions(a: string, b: string): number {
  return Number(a) - Number(b) || a.localeCompare(b);
}
