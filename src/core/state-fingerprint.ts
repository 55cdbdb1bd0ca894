import { createHash } from 'node:crypto';
import type { StoredTenantState } from '../model/stored-state.js';
import { canonicalJson } from './canonical-json.js';

/**
 * Digest of a tenant's record, so a saved plan can tell that the record moved on since it
 * was made (another apply ran). Keys are sorted, so JSON key order does not matter.
 */
export function stateFingerprint(state: StoredTenantState): string {
  return createHash('sha256').update(canonicalJson(state)).digest('hex');
}
