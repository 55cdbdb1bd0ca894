import { createHash } from 'node:crypto';
import type { StoredTenantState } from '../model/stored-state.js';

/**
 * Digest of a tenant's stored state, so a saved plan can tell that the state moved on since
 * it was made (another apply ran). Keys are sorted, so JSON key order does not matter.
 */
export function stateFingerprint(state: StoredTenantState): string {
  return createHash('sha256').update(canonical(state)).digest('hex');
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
