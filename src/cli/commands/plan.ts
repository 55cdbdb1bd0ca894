import type { Command } from 'commander';
import { preparePlan } from '../../app/prepare-plan.js';
import { planDocumentText, writeSavedPlan } from '../../app/saved-plan.js';
import { renderPlanMarkdown } from '../../render/render-markdown.js';
import { renderPlanText } from '../../render/render-text.js';
import { EXIT_CHANGES, EXIT_OK } from '../exit-codes.js';
import { out, stderrLogger, styleFor } from '../output.js';
import { safetyText } from '../safety-text.js';

interface PlanOptions {
  json?: boolean;
  markdown?: boolean;
  out?: string;
  detailedExitcode?: boolean;
  dnsServer?: string[];
}

export default async function plan(file: string, options: PlanOptions, command: Command): Promise<number> {
  const globals = command.optsWithGlobals<{ color?: boolean }>();
  const machine = options.json === true || options.markdown === true;
  const prepared = await preparePlan(file, process.env, stderrLogger(machine), { unchangedCheck: { spreadsheet: false }, ...(options.dnsServer ? { dnsServers: options.dnsServer } : {}) });
  try {
    const p = prepared.plan;
    const document = options.json || options.out ? planDocumentText(p, prepared.config, prepared.key.key) : '';
    if (options.json) out(document);
    else if (options.markdown) out(renderPlanMarkdown(p));
    else out(renderPlanText(p, styleFor(process.stdout, globals.color)));
    if (!p.safety.ok && !machine) process.stderr.write(safetyText(p.safety));
    if (options.out) {
      writeSavedPlan(options.out, document);
      stderrLogger().info(`Saved the plan to ${options.out}; apply exactly it with: pbxsync apply ${file} --plan ${options.out}`);
    }
    if (!prepared.unchanged) await prepared.memo.remember(p, null);
    return options.detailedExitcode && p.changes.length > 0 ? EXIT_CHANGES : EXIT_OK;
  } finally {
    await prepared.close();
  }
}
