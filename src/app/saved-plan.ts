/**
 * Plan documents (`plan --json`, `plan --out`, `apply --plan`): written signed, read back
 * checked against their schema, and refused — naming what differs — when they are foreign
 * (another tenant), made with another master key, edited, or made from another tenant file.
 * Staleness (the PBX or the record moved on) is checked by the replay in the core.
 */
import { readFileSync } from 'node:fs';
import { describeSchemaError, schemaValidator } from '../config/json-schemas.js';
import { UserError } from '../errors.js';
import { writePrivateFileSync } from '../fs/private-file.js';
import type { Plan } from '../model/plan.js';
import type { TenantConfig } from '../model/tenant-config.js';
import { configSections, differingSections } from '../plan-file/config-digest.js';
import { PLAN_DOCUMENT_FORMAT, PLAN_DOCUMENT_VERSION, planBody, readPlanDocument, toSnakeCase, type SavedPlan } from '../plan-file/plan-document.js';
import { planSigningKey, signBody, verifyBody } from '../plan-file/plan-signature.js';
import { terminalSafeJson } from '../render/json-text.js';
import { pbxsyncVersion } from '../version.js';

/** The plan document's text: snake_case JSON, signed. */
export function planDocumentText(plan: Plan, config: TenantConfig, masterKey: Buffer): string {
  const key = planSigningKey(masterKey);
  const body = toSnakeCase(planBody(plan, { pbxsyncVersion: pbxsyncVersion(), configSections: configSections(config, key) })) as Record<string, unknown>;
  // Safe to print or `cat`: no raw control, bidi or zero-width character (same JSON value).
  return `${terminalSafeJson(JSON.stringify({ ...body, signature: signBody(body, key) }, null, 2))}\n`;
}

export function writeSavedPlan(path: string, text: string): void {
  writePrivateFileSync(path, text, { what: 'saved plan' });
}

const WRITE_ONE = 'write one with: pbxsync plan FILE --out PLAN.json';

/** Reads and checks a plan document; throws a `UserError` naming what is wrong. */
export function readSavedPlan(path: string, config: TenantConfig, masterKey: Buffer, keyId: string): SavedPlan {
  const document = parseDocument(path);
  const saved = readPlanDocument(document);
  if (saved.tenant !== config.name || saved.domain !== config.domain) {
    throw new UserError(
      `${path} is a plan for tenant ${saved.tenant} (${saved.domain}), not ${config.name} (${config.domain}); nothing was changed`,
      `apply it with that tenant's file, or ${WRITE_ONE}`,
    );
  }
  if (saved.keyId !== keyId) {
    throw new UserError(
      `${path} was made with master key ${saved.keyId}, but this run has key ${keyId}; nothing was changed`,
      "apply it with the tenant's master key, or make a new plan with this one",
    );
  }
  const key = planSigningKey(masterKey);
  const { signature: _signature, ...body } = document;
  if (!verifyBody(body, saved.signature, key)) {
    throw new UserError(
      `${path} has been edited since pbxsync wrote it (its signature does not match); nothing was changed`,
      `a plan is applied exactly as it was reviewed: ${WRITE_ONE}`,
    );
  }
  const differing = differingSections(saved.configSections, configSections(config, key));
  if (differing.length > 0) {
    throw new UserError(
      `the tenant file ${config.file} changed since ${path} was made (${differing.join(', ')}); nothing was changed`,
      `apply the plan with the tenant file it was made from, or make a new plan: pbxsync plan ${config.file} --out ${path}`,
    );
  }
  return saved;
}

function parseDocument(path: string): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    const why = err instanceof SyntaxError ? 'it is not JSON' : ((err as NodeJS.ErrnoException).code ?? String(err));
    throw new UserError(`cannot read saved plan ${path}: ${why}`, WRITE_ONE);
  }
  const record = raw as Record<string, unknown> | null;
  if (record === null || typeof record !== 'object' || record.format !== PLAN_DOCUMENT_FORMAT) {
    throw new UserError(`${path} is not a pbxsync plan`, WRITE_ONE);
  }
  if (record.format_version !== PLAN_DOCUMENT_VERSION) {
    throw new UserError(
      `${path} is a pbxsync plan of format_version ${String(record.format_version)}; this pbxsync reads ${PLAN_DOCUMENT_VERSION}`,
      `make a new plan with this pbxsync: ${WRITE_ONE}`,
    );
  }
  const validate = schemaValidator('plan.schema.json');
  if (!validate(raw)) throw new UserError(`${path} is not a valid pbxsync plan: ${describeSchemaError(validate.errors)}`, WRITE_ONE);
  return record;
}
