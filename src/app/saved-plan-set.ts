/**
 * Saved plans of several tenants (`plan DIR --out PLANS`, `apply DIR --plan PLANS`): a folder
 * holding one saved plan per tenant, `PLANS/<tenant>.plan.json`, each the same signed
 * document as `plan FILE --out`, and so each refused on its own when stale. The folder holds
 * exactly the plans of the last run: the run removes any other `*.plan.json` there (also a
 * failed tenant's old plan), and apply refuses, before anything runs, a set of tenant files
 * that does not match the set of plans.
 */
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';

const PLAN_FILE = /^(.+)\.plan\.json$/;

export function savedPlanPath(folder: string, tenant: string): string {
  return join(folder, `${tenant}.plan.json`);
}

/** Makes the folder for `plan --out` with several tenants (owner-only, as saved plans are). */
export function makePlanFolder(folder: string): void {
  try {
    if (statSync(folder).isDirectory()) return;
    throw new UserError(
      `--out ${folder} is a file; with several tenant files, --out names a folder for one saved plan per tenant`,
      `choose a folder, e.g. --out plans/`,
    );
  } catch (err) {
    if (err instanceof UserError) throw err;
  }
  mkdirSync(folder, { recursive: true, mode: 0o700 });
}

/** Tenant names of the saved plans in the folder. */
function plansInFolder(folder: string): string[] {
  let names: string[];
  try {
    if (!statSync(folder).isDirectory())
      throw new UserError(
        `--plan ${folder} is a file; with several tenant files, --plan names the folder that plan --out wrote`,
        'pbxsync plan DIR --out plans/, then pbxsync apply DIR --plan plans/',
      );
    names = readdirSync(folder);
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(
      `cannot read the saved plans in ${folder} (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
      'make them with: pbxsync plan DIR --out plans/',
    );
  }
  return names.flatMap((n) => PLAN_FILE.exec(n)?.[1] ?? []).sort();
}

/** Removes the folder's saved plans of tenants other than `keep`; returns their names. */
export function removeOtherPlans(folder: string, keep: ReadonlySet<string>): string[] {
  const removed = plansInFolder(folder).filter((t) => !keep.has(t));
  for (const t of removed) rmSync(savedPlanPath(folder, t), { force: true });
  return removed;
}

/** Why the plans in `folder` are not exactly those of `tenants` (empty: they match). */
export function planSetMismatch(folder: string, tenants: readonly { file: string; tenant: string }[]): string[] {
  const plans = new Set(plansInFolder(folder));
  const names = new Set(tenants.map((t) => t.tenant));
  return [
    ...tenants
      .filter((t) => !plans.has(t.tenant))
      .map((t) => `${t.file}: no saved plan for tenant ${t.tenant} in ${folder} (${savedPlanPath(folder, t.tenant)})`),
    ...[...plans].filter((p) => !names.has(p)).map((p) => `${savedPlanPath(folder, p)}: a saved plan for tenant ${p}, which none of the tenant files is`),
  ];
}
