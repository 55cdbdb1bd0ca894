import type { Command } from 'commander';
import { executeApply } from '../../app/execute-apply.js';
import { notifyKamailio } from '../../app/notify-kamailio.js';
import { loadIspPolicy } from '../../policy/load-isp-config.js';
import { preparePlan, type PreparedPlan } from '../../app/prepare-plan.js';
import { planSetMismatch, savedPlanPath } from '../../app/saved-plan-set.js';
import { expandTenantArgs } from '../../app/tenant-files.js';
import { combinedExit, summaryLines, type TenantResult } from '../../app/tenant-outcome.js';
import { UserError } from '../../errors.js';
import { domainAllowed, type DomainCheck } from '../../model/plan.js';
import { renderPlanText } from '../../render/render-text.js';
import { confirm } from '../confirm.js';
import { EXIT_ERROR, EXIT_KAMAILIO_NOT_TOLD, EXIT_OK } from '../exit-codes.js';
import { reportError } from '../report-error.js';
import { terminalLines, terminalText } from '../../render/safe-text.js';
import { out } from '../output.js';
import { safetyText } from '../safety-text.js';
import { processIo, type TenantIo } from '../tenant-io.js';
import { loadTenantSet, reportConflicts, runTenantSet } from '../tenant-set.js';

interface ApplyOptions {
  autoApprove?: boolean;
  allowUnsafe?: boolean;
  spreadsheet?: boolean;
  /** Milliseconds (parsed by main.ts). */
  lockTimeout?: number;
  /** A saved plan (`plan --out`) to apply instead of planning afresh; with several tenant files, the folder of their plans. */
  plan?: string;
  dnsServer?: string[];
  /** Mail joiners and rotated users their cards after the apply (also: welcome.on_apply). */
  sendWelcome?: boolean;
  parallel?: number;
}

export default async function apply(args: string[], options: ApplyOptions, command: Command): Promise<number> {
  const globals = command.optsWithGlobals<{ color?: boolean }>();
  const list = expandTenantArgs(args);
  if (list.single) return (await applyTenant(list.files[0]!, options, processIo(globals.color), true)).exit;
  return applySet(list.files, options, globals.color);
}

/**
 * Several tenants are applied only with --auto-approve: one prompt per tenant while others
 * run would interleave, and one prompt for all would hold every tenant's lock while waiting.
 * Review them first with `plan DIR` (or `plan DIR --out plans/`, then `apply DIR --plan plans/`).
 */
async function applySet(files: readonly string[], options: ApplyOptions, color: boolean | undefined): Promise<number> {
  if (!options.autoApprove) {
    throw new UserError(
      `applying ${files.length} tenant files needs --auto-approve; nothing was changed`,
      'review the plans first (pbxsync plan DIR, or plan DIR --out plans/ to apply exactly those with --plan plans/), then run apply with --auto-approve',
    );
  }
  const { loaded, conflicts } = await loadTenantSet(files, process.env);
  if (conflicts.length > 0) return reportConflicts(conflicts);
  if (options.plan !== undefined) {
    const mismatch = planSetMismatch(
      options.plan,
      loaded.map((t) => ({ file: t.file, tenant: t.config.name })),
    );
    if (mismatch.length > 0) {
      for (const m of mismatch) process.stderr.write(`error: ${terminalText(m)}\n`);
      process.stderr.write(
        `  hint: the saved plans and the tenant files must match one to one: make them again with pbxsync plan ... --out ${terminalText(options.plan)}\nnothing was changed.\n`,
      );
      return EXIT_ERROR;
    }
  }
  const outcomes = await runTenantSet(files, loaded, { ...(options.parallel ? { parallel: options.parallel } : {}), color }, async (file, io) => {
    const config = loaded.find((t) => t.file === file)?.config;
    // A file that does not load has no plan to look for: its own run reports why.
    const plan = options.plan !== undefined && config ? savedPlanPath(options.plan, config.name) : undefined;
    const { exit, prepared } = await applyTenant(file, { ...options, ...(plan !== undefined ? { plan } : {}) }, io, false);
    const p = prepared.plan;
    const result: TenantResult =
      exit === EXIT_ERROR ? 'failed' : exit === EXIT_KAMAILIO_NOT_TOLD ? 'kamailio-not-told' : p.changes.length > 0 ? 'applied' : 'no-changes';
    return {
      tenant: p.tenant,
      domain: p.domain,
      result,
      summary: p.summary,
      plan: p,
      warnings: p.warnings.length,
      ...(result === 'failed' ? { error: 'applied to the PBX, but a step after the commit failed (see above)' } : {}),
    };
  });
  out(`\n${terminalLines(summaryLines(outcomes).join('\n'))}\n`);
  return combinedExit(outcomes, false);
}

async function applyTenant(file: string, options: ApplyOptions, io: TenantIo, single: boolean): Promise<{ exit: number; prepared: PreparedPlan }> {
  const prepared = await preparePlan(file, process.env, io.log, {
    lockTimeoutMs: options.lockTimeout ?? 60_000,
    ...(options.plan !== undefined ? { savedPlan: options.plan } : { unchangedCheck: { spreadsheet: options.spreadsheet !== false } }),
    ...(options.dnsServer ? { dnsServers: options.dnsServer } : {}),
  });
  try {
    return { exit: await applyPrepared(prepared, file, options, io, single), prepared };
  } finally {
    await prepared.close();
  }
}

async function applyPrepared(prepared: PreparedPlan, file: string, options: ApplyOptions, io: TenantIo, single: boolean): Promise<number> {
  const { plan } = prepared;
  const log = io.log;
  io.out(renderPlanText(plan, io.stdoutStyle));
  // A tenant is written onto a domain only once the domain is proven to be the customer's.
  if (!domainAllowed(plan.domainCheck)) throw unverifiedDomain(plan.domainCheck!, file);
  if (!plan.safety.ok) {
    io.err(safetyText(plan.safety));
    if (!options.allowUnsafe) throw new UserError('refusing an unsafe plan; nothing was changed', 're-run with --allow-unsafe once you have checked the plan');
  }
  if (single && plan.changes.length > 0 && !options.autoApprove) {
    const answer = await confirm(`\nApply these changes to ${plan.domain}? Only 'yes' will be accepted: `);
    if (answer !== 'yes') throw new UserError('apply cancelled; nothing was changed');
  }
  const result = await executeApply(prepared, log, { spreadsheet: options.spreadsheet !== false });
  const s = plan.summary;
  io.out(
    plan.changes.length === 0
      ? `\nApply complete: no changes.${result.spreadsheet ? ` Credentials: ${terminalText(result.spreadsheet)}` : ''}\n`
      : `\nApply complete: ${s.create} created, ${s.update} updated, ${s.disable} disabled, ${s.delete} deleted.${result.spreadsheet ? ` Credentials: ${terminalText(result.spreadsheet)}` : ''}\n`,
  );
  // Committed: now, and only now, Kamailio drops what it keeps in memory of the old rows
  // (its domain list, registrations). A failure there is a warning and exit 3, never an undo.
  const isp = await loadIspPolicy(process.env);
  const kamailio = await notifyKamailio(plan, isp.kamailio, log);
  // The passwords are in the PBX now: joiners and rotated users may get them.
  const mailFailed = options.sendWelcome || prepared.config.welcome.onApply ? await mailWelcome(prepared, isp, io) : false;
  // The PBX is up to date; what could not follow (state store, spreadsheet) fails the run, each in its line.
  for (const problem of result.afterCommit) reportError(problem, io.stderrStyle, io.err);
  if (result.afterCommit.length > 0 || mailFailed) return EXIT_ERROR;
  // For the next run's no-change check (a plan that changed rows is not one).
  if (result.memo.remember) await prepared.memo.remember(plan, result.memo.spreadsheet);
  return kamailio.failed > 0 ? EXIT_KAMAILIO_NOT_TOLD : EXIT_OK;
}

/** True when a mail failed (each failure is in the report; the others were sent). */
async function mailWelcome(prepared: PreparedPlan, isp: Awaited<ReturnType<typeof loadIspPolicy>>, io: TenantIo): Promise<boolean> {
  // The mailer and the card renderer load only when mail is sent (tens of MB).
  const [{ sendWelcomeMails, welcomeReport }, { changedTargets }] = await Promise.all([
    import('../../app/welcome-mail.js'),
    import('../../welcome/recipients.js'),
  ]);
  const targets = changedTargets(prepared.plan);
  const lines = await sendWelcomeMails(
    { ...prepared, smtp: isp.smtp, env: process.env, ...(isp.acrobitsCloudId !== undefined ? { acrobitsCloudId: isp.acrobitsCloudId } : {}) },
    targets,
    { dryRun: false },
  );
  io.out(welcomeReport(lines, false));
  return lines.some((l) => l.outcome === 'failed');
}

function unverifiedDomain(check: DomainCheck, file: string): UserError {
  const what = check.reason === 'create' ? 'create the tenant on' : 'move the tenant onto';
  return new UserError(
    `refusing to ${what} ${check.domain}: it is not verified (${check.state}${check.detail ? `: ${check.detail}` : ''}); nothing was changed`,
    `the customer's DNS admin creates ${check.record.name} TXT "${check.record.value}"; then check it with: pbxsync domain verify ${file}`,
  );
}
