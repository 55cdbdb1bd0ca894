/**
 * The no-change check: a re-sync that finds the same inputs and the same PBX rows as the last
 * run that left nothing to do gets that run's (empty) plan back without reading the rows.
 *
 * `makePlan` is pure: its result depends only on the inputs (`core/plan-inputs.ts`: tenant
 * file, directory, record, key id, ISP choices, version) and the PBX rows, whose fingerprint
 * the database computes without handing them out (`pbx/fingerprint.ts`). When both digests
 * equal those remembered with an empty plan, planning again would give that empty plan: the
 * check is exactly as safe as a full plan, and a change anywhere — a user in the directory, a
 * row edited by hand, a line of the tenant file — makes it miss, and the full plan runs.
 *
 * What is remembered lives in the cache store (never needed for correctness: a missing or
 * unreadable entry only costs a full plan), signed with a key derived from the master key, so
 * that whoever can write the cache but has no master key cannot make a run skip its changes.
 * An apply that writes the spreadsheet also records the file it wrote (size, mtime, inode):
 * a no-change apply rewrites it only when that file is gone or was touched.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { lstatSync } from 'node:fs';
import { canonicalJson } from '../core/canonical-json.js';
import { stateFingerprint } from '../core/state-fingerprint.js';
import { PLAN_FORMAT_VERSION, type Plan, type PlanWarning, type SafetyVerdict, type ScopeSummary } from '../model/plan.js';
import type { StoredTenantState } from '../model/stored-state.js';
import type { TenantConfig } from '../model/tenant-config.js';
import type { CacheStore } from '../state/state-store.js';

/** The spreadsheet an apply wrote, as the file system shows it. */
export interface SpreadsheetStamp {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ino: number;
}

/** What an empty plan needs to be shown again. */
interface RememberedPlan {
  readonly warnings: readonly PlanWarning[];
  readonly scope: ScopeSummary | null;
  readonly safety: SafetyVerdict;
}

interface Entry {
  readonly version: 1;
  readonly inputs: string;
  readonly pbx: string;
  readonly plan: RememberedPlan;
  readonly spreadsheet: SpreadsheetStamp | null;
}

type SignedEntry = Entry & { readonly mac: string };

const cacheKey = (tenant: string) => `unchanged:${tenant}`;

function macKey(masterKey: Buffer): Buffer {
  return createHmac('sha256', masterKey).update('pbxsync-v1\u0000unchanged-check').digest();
}

function sign(entry: Entry, masterKey: Buffer): string {
  return createHmac('sha256', macKey(masterKey)).update(canonicalJson(entry)).digest('hex');
}

/** The remembered entry when it is well formed and signed with this master key; else undefined. */
async function loadEntry(cache: CacheStore, tenant: string, masterKey: Buffer): Promise<Entry | undefined> {
  const value = (await cache.load(cacheKey(tenant))) as Partial<SignedEntry> | undefined;
  if (value === null || typeof value !== 'object' || value.version !== 1 || typeof value.mac !== 'string') return undefined;
  const { mac, ...entry } = value as SignedEntry;
  const expected = Buffer.from(sign(entry, masterKey), 'hex');
  const given = Buffer.from(mac, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  return entry;
}

export interface UnchangedInputs {
  readonly config: TenantConfig;
  readonly inputs: string;
  readonly stored: StoredTenantState;
  readonly keyId: string;
  readonly masterKey: Buffer;
  /** The PBX rows' fingerprint, asked for only when everything else matched. */
  readonly pbxFingerprint: () => Promise<string>;
  /** The spreadsheet the run would write (apply), which must be the one recorded; null: none. */
  readonly spreadsheet: string | null;
}

/** The last run's empty plan, when nothing it was made from has changed; else null. */
export async function unchangedPlan(cache: CacheStore, input: UnchangedInputs): Promise<Plan | null> {
  const { config } = input;
  const entry = await loadEntry(cache, config.name, input.masterKey);
  if (!entry || entry.inputs !== input.inputs) return null;
  if (input.spreadsheet !== null && !spreadsheetIsAsWritten(entry.spreadsheet, input.spreadsheet)) return null;
  const pbx = await input.pbxFingerprint();
  if (pbx !== entry.pbx) return null;
  return {
    formatVersion: PLAN_FORMAT_VERSION,
    tenant: config.name,
    domain: config.domain,
    keyId: input.keyId,
    pbxFingerprint: pbx,
    recordFingerprint: stateFingerprint(input.stored),
    changes: [],
    // Not needed: nothing is written, and the spreadsheet on disk is the one of these accounts.
    accounts: [],
    warnings: entry.plan.warnings,
    summary: { create: 0, update: 0, disable: 0, delete: 0 },
    safety: entry.plan.safety,
    domainCheck: null,
    scope: entry.plan.scope,
    nextState: input.stored,
  };
}

/**
 * Remembers `plan` (made from `inputs` against the PBX rows of `pbxFingerprint`) when it is a
 * no-change plan: no change, and a record the state store already holds as it is.
 */
export async function rememberUnchanged(
  cache: CacheStore,
  masterKey: Buffer,
  made: {
    readonly plan: Plan;
    readonly inputs: string;
    readonly stored: StoredTenantState;
    readonly pbxFingerprint: string;
    readonly spreadsheet: SpreadsheetStamp | null;
  },
): Promise<void> {
  const { plan } = made;
  if (plan.changes.length > 0 || canonicalJson(plan.nextState) !== canonicalJson(made.stored)) return;
  const entry: Entry = {
    version: 1,
    inputs: made.inputs,
    pbx: made.pbxFingerprint,
    plan: { warnings: plan.warnings, scope: plan.scope, safety: plan.safety },
    spreadsheet: made.spreadsheet,
  };
  await cache.save(cacheKey(plan.tenant), { ...entry, mac: sign(entry, masterKey) });
}

/** The file at `path` as the file system shows it now, or null when there is none. */
export function spreadsheetStamp(path: string): SpreadsheetStamp | null {
  try {
    const s = lstatSync(path);
    return s.isFile() ? { path, size: s.size, mtimeMs: s.mtimeMs, ino: s.ino } : null;
  } catch {
    return null;
  }
}

function spreadsheetIsAsWritten(stamp: SpreadsheetStamp | null, path: string): boolean {
  if (stamp === null || stamp.path !== path) return false;
  const now = spreadsheetStamp(path);
  return now !== null && now.size === stamp.size && now.mtimeMs === stamp.mtimeMs && now.ino === stamp.ino;
}
