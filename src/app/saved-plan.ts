/**
 * Saved plans (`plan --out`, `apply --plan`): the plan's JSON, applied later exactly as it was
 * reviewed. It refuses to apply once the PBX rows or the stored state moved on since.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { UserError } from '../errors.js';
import { PLAN_FORMAT_VERSION, type Plan } from '../model/plan.js';
import type { TenantConfig } from '../model/tenant-config.js';
import { renderPlanJson } from '../render/render-json.js';

export function writeSavedPlan(path: string, plan: Plan): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, renderPlanJson(plan), { mode: 0o600 });
  renameSync(tmp, path);
}

export function readSavedPlan(path: string, config: TenantConfig): Plan {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UserError(`cannot read saved plan ${path}: ${(err as Error).message}`, 'write one with: pbxsync plan FILE --out PLAN.json');
  }
  const plan = raw as Record<string, unknown>;
  if (plan.format_version !== PLAN_FORMAT_VERSION || !Array.isArray(plan.changes) || typeof plan.pbxFingerprint !== 'string' || typeof plan.stateFingerprint !== 'string' || !plan.nextState) {
    throw new UserError(`${path} is not a pbxsync plan of format_version ${PLAN_FORMAT_VERSION}`, 'write one with: pbxsync plan FILE --out PLAN.json');
  }
  if (plan.tenant !== config.name || plan.domain !== config.domain) {
    throw new UserError(`${path} is a plan for tenant ${String(plan.tenant)} (${String(plan.domain)}), not ${config.name} (${config.domain})`);
  }
  const { format_version: _v, ...rest } = plan;
  return { formatVersion: PLAN_FORMAT_VERSION, ...rest } as unknown as Plan;
}
