/**
 * The plan as a JSON document: what `plan --json` prints and `plan --out` saves, and what
 * `apply --plan` reads back (format `pbxsync-plan`, see `schemas/plan.schema.json`). One key
 * style throughout (snake_case); only the keys of data maps (an account's `preferences`, the
 * config digest's sections) are data and stay as they are. The document carries no secret
 * and no value expanded from the environment; it is signed with a key derived from the master
 * key, so an edited plan is refused.
 */
import type { Change, DomainCheck, Plan, PlanWarning, SafetyVerdict, PlanSummary, ScopeSummary } from '../model/plan.js';

export const PLAN_DOCUMENT_FORMAT = 'pbxsync-plan';
export const PLAN_DOCUMENT_VERSION = 2;

/** What the document adds to the plan: who made it, and what it was made from. */
export interface PlanProvenance {
  readonly pbxsyncVersion: string;
  /** Digest per section of the normalised tenant file (see `config-digest.ts`). */
  readonly configSections: Readonly<Record<string, string>>;
}

/** A plan document as read back: the reviewed changes and what they were made from. */
export interface SavedPlan extends PlanProvenance {
  readonly tenant: string;
  readonly domain: string;
  readonly keyId: string;
  readonly pbxFingerprint: string;
  readonly recordFingerprint: string;
  readonly changes: readonly Change[];
  readonly warnings: readonly PlanWarning[];
  readonly summary: PlanSummary;
  readonly safety: SafetyVerdict;
  /** For readers: apply checks the domain again. */
  readonly domainCheck: DomainCheck | null;
  readonly scope: ScopeSummary | null;
  readonly signature: string;
}

/** The document without its signature, camelCase (see `toSnakeCase`). */
export function planBody(plan: Plan, provenance: PlanProvenance): Record<string, unknown> {
  return {
    format: PLAN_DOCUMENT_FORMAT,
    formatVersion: PLAN_DOCUMENT_VERSION,
    pbxsyncVersion: provenance.pbxsyncVersion,
    tenant: plan.tenant,
    domain: plan.domain,
    keyId: plan.keyId,
    configSections: provenance.configSections,
    pbxFingerprint: plan.pbxFingerprint,
    recordFingerprint: plan.recordFingerprint,
    summary: plan.summary,
    safety: plan.safety,
    domainCheck: plan.domainCheck,
    scope: plan.scope,
    warnings: plan.warnings,
    changes: plan.changes,
  };
}

/** Keys whose object values are maps of data: their own keys are not renamed. */
const DATA_MAPS = new Set(['preferences', 'configSections', 'config_sections', 'otherDomains', 'other_domains']);

function renameKeys(value: unknown, rename: (key: string) => string, inDataMap = false): unknown {
  if (Array.isArray(value)) return value.map((v) => renameKeys(v, rename));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === undefined) continue;
    out[inDataMap ? key : rename(key)] = renameKeys(v, rename, !inDataMap && DATA_MAPS.has(key));
  }
  return out;
}

export function toSnakeCase(value: unknown): unknown {
  return renameKeys(value, (k) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));
}

function toCamelCase(value: unknown): unknown {
  return renameKeys(value, (k) => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()));
}

/** A schema-valid document (snake_case) as a `SavedPlan`. */
export function readPlanDocument(document: unknown): SavedPlan {
  const doc = toCamelCase(document) as Record<string, unknown>;
  return {
    pbxsyncVersion: doc.pbxsyncVersion as string,
    configSections: doc.configSections as Record<string, string>,
    tenant: doc.tenant as string,
    domain: doc.domain as string,
    keyId: doc.keyId as string,
    pbxFingerprint: doc.pbxFingerprint as string,
    recordFingerprint: doc.recordFingerprint as string,
    changes: doc.changes as Change[],
    warnings: doc.warnings as PlanWarning[],
    summary: doc.summary as PlanSummary,
    safety: doc.safety as SafetyVerdict,
    domainCheck: (doc.domainCheck ?? null) as DomainCheck | null,
    scope: (doc.scope ?? null) as ScopeSummary | null,
    signature: doc.signature as string,
  };
}
