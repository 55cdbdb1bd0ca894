/**
 * The digest of everything a plan is made from, except the PBX rows: the tenant file (its
 * text, for the positions in warnings, and what was read from it), the directory, the
 * tenant's record in the state store, the master key's id, the ISP's choices that planning
 * depends on, and pbxsync's version. `makePlan` is pure, so the same inputs and the same PBX
 * rows (same fingerprint) always give the same plan: the no-change check
 * (`app/unchanged-check.ts`) relies on exactly that.
 */
import { createHash } from 'node:crypto';
import type { DirectoryUser } from '../model/directory-user.js';
import type { StoredTenantState } from '../model/stored-state.js';
import type { TenantConfig } from '../model/tenant-config.js';
import { canonicalJson } from './canonical-json.js';
import { stateFingerprint } from './state-fingerprint.js';

/** Bump when planning changes in a way the version number does not show (it always should). */
const FORMAT = 'pbxsync-plan-inputs-v1';

export interface PlanInputs {
  readonly version: string;
  readonly tenantFileText: string;
  readonly config: TenantConfig;
  readonly directory: readonly DirectoryUser[];
  readonly stored: StoredTenantState;
  readonly keyId: string;
  /** What of the ISP configuration the plan depends on (the namespace, the hash policy). */
  readonly policy: unknown;
}

export function planInputsDigest(inputs: PlanInputs): string {
  const hash = createHash('sha256');
  const line = (text: string) => hash.update(`${text}\n`);
  line(FORMAT);
  line(JSON.stringify(inputs.version));
  line(createHash('sha256').update(inputs.tenantFileText).digest('hex'));
  line(canonicalJson(inputs.config));
  line(stateFingerprint(inputs.stored));
  line(JSON.stringify(inputs.keyId));
  line(canonicalJson(inputs.policy ?? null));
  // The directory in object id order (the order it was read in does not matter), one user a line.
  const users = [...inputs.directory].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  line(String(users.length));
  for (const user of users) line(canonicalJson(user));
  return hash.digest('hex');
}
