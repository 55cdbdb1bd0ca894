import type { Command } from 'commander';
import { preparePlan } from '../../app/prepare-plan.js';
import { planDocumentText, writeSavedPlan } from '../../app/saved-plan.js';
import { makePlanFolder, removeOtherPlans, savedPlanPath } from '../../app/saved-plan-set.js';
import { expandTenantArgs } from '../../app/tenant-files.js';
import { combinedExit, summaryLines, type TenantOutcome } from '../../app/tenant-outcome.js';
import type { Plan } from '../../model/plan.js';
import { renderPlansMarkdown } from '../../render/render-markdown.js';
import { renderPlanText } from '../../render/render-text.js';
import { terminalLines } from '../../render/safe-text.js';
import { EXIT_CHANGES, EXIT_OK } from '../exit-codes.js';
import { out } from '../output.js';
import { safetyText } from '../safety-text.js';
import { processIo, type TenantIo } from '../tenant-io.js';
import { loadTenantSet, reportConflicts, runTenantSet } from '../tenant-set.js';

interface PlanOptions {
  json?: boolean;
  markdown?: boolean;
  out?: string;
  detailedExitcode?: boolean;
  dnsServer?: string[];
  parallel?: number;
}

interface TenantPlanOptions extends PlanOptions {
  /** Where this tenant's saved plan goes (`--out`, or its file in the `--out` folder). */
  readonly savePath?: string;
  /** One tenant of several: the saved plan is announced once, in the summary. */
  readonly inSet: boolean;
}

export default async function plan(args: string[], options: PlanOptions, command: Command): Promise<number> {
  const globals = command.optsWithGlobals<{ color?: boolean }>();
  const list = expandTenantArgs(args);
  if (list.single) {
    const file = list.files[0]!;
    const io = processIo(globals.color, options.json === true || options.markdown === true);
    const { plan: p } = await planTenant(file, { ...options, ...(options.out ? { savePath: options.out } : {}), inSet: false }, io);
    if (options.markdown)
      out(
        renderPlansMarkdown([{ file, tenant: p.tenant, domain: p.domain, result: p.changes.length > 0 ? 'changes' : 'no-changes', plan: p }], {
          savedPlans: options.out ?? null,
        }),
      );
    return options.detailedExitcode && p.changes.length > 0 ? EXIT_CHANGES : EXIT_OK;
  }
  return planSet(args, list.files, options, globals.color);
}

async function planSet(args: readonly string[], files: readonly string[], options: PlanOptions, color: boolean | undefined): Promise<number> {
  const { loaded, conflicts } = await loadTenantSet(files, process.env);
  if (conflicts.length > 0) return reportConflicts(conflicts);
  if (options.out) makePlanFolder(options.out);
  const machine = options.json === true || options.markdown === true;
  const documents = new Map<string, string>();
  const outcomes = await runTenantSet(
    files,
    loaded,
    { ...(options.parallel ? { parallel: options.parallel } : {}), color, quiet: machine },
    async (file, io) => {
      const config = loaded.find((t) => t.file === file)?.config;
      const savePath = options.out && config ? savedPlanPath(options.out, config.name) : undefined;
      const { plan: p, document } = await planTenant(file, { ...options, ...(savePath ? { savePath } : {}), inSet: true }, io);
      if (options.json) documents.set(file, document);
      return {
        tenant: p.tenant,
        domain: p.domain,
        result: p.changes.length > 0 ? 'changes' : 'no-changes',
        summary: p.summary,
        plan: p,
        warnings: p.warnings.length,
      };
    },
  );
  if (options.out) finishPlanFolder(options.out, outcomes, args);
  if (options.json)
    out(`${JSON.stringify({ format: 'pbxsync-plan-set', format_version: 1, tenants: outcomes.map((o) => jsonOutcome(o, documents.get(o.file))) }, null, 2)}\n`);
  else if (options.markdown) out(renderPlansMarkdown(outcomes, { savedPlans: options.out ?? null }));
  const summary = `${terminalLines(summaryLines(outcomes).join('\n'))}\n`;
  if (machine) process.stderr.write(summary);
  else out(`\n${summary}`);
  return combinedExit(outcomes, options.detailedExitcode === true);
}

/** The folder holds exactly this run's plans: a failed tenant's old plan goes too. */
function finishPlanFolder(folder: string, outcomes: readonly TenantOutcome[], args: readonly string[]): void {
  const written = new Set(outcomes.flatMap((o) => (o.result !== 'failed' && o.tenant ? [o.tenant] : [])));
  const removed = removeOtherPlans(folder, written);
  if (removed.length > 0)
    process.stderr.write(
      `Removed ${removed.length} older saved plan${removed.length === 1 ? '' : 's'} from ${terminalLines(folder)} (${removed.join(', ')}): the folder holds this run's plans only.\n`,
    );
  const target = args.join(' ');
  process.stderr.write(
    `Saved ${written.size} plan${written.size === 1 ? '' : 's'} to ${terminalLines(folder)}; apply exactly them with: pbxsync apply ${terminalLines(target)} --plan ${terminalLines(folder)}\n`,
  );
}

/** A tenant of `plan DIR --json`: its result, and its plan document (as `plan FILE --json` prints it). */
function jsonOutcome(o: TenantOutcome, document: string | undefined): unknown {
  return {
    file: o.file,
    tenant: o.tenant,
    domain: o.domain,
    result: o.result,
    ...(o.error !== undefined ? { error: o.error } : {}),
    ...(document ? { plan: JSON.parse(document) as unknown } : {}),
  };
}

/** Plans one tenant; prints its plan (text, or JSON), unless Markdown gathers the plans. */
async function planTenant(file: string, options: TenantPlanOptions, io: TenantIo): Promise<{ plan: Plan; document: string }> {
  const machine = options.json === true || options.markdown === true;
  const prepared = await preparePlan(file, process.env, io.log, {
    unchangedCheck: { spreadsheet: false },
    ...(options.dnsServer ? { dnsServers: options.dnsServer } : {}),
  });
  try {
    const p = prepared.plan;
    const document = options.json || options.savePath ? planDocumentText(p, prepared.config, prepared.key.key) : '';
    if (options.json && !options.inSet) io.out(document);
    else if (!options.markdown && !options.json) io.out(renderPlanText(p, io.stdoutStyle));
    if (!p.safety.ok && !machine) io.err(safetyText(p.safety));
    if (options.savePath) {
      writeSavedPlan(options.savePath, document);
      if (!options.inSet) io.log.info(`Saved the plan to ${options.savePath}; apply exactly it with: pbxsync apply ${file} --plan ${options.savePath}`);
    }
    if (!prepared.unchanged) await prepared.memo.remember(p, null);
    return { plan: p, document };
  } finally {
    await prepared.close();
  }
}
