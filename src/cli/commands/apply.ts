import type { Command } from 'commander';
import { executeApply } from '../../app/execute-apply.js';
import { notifyKamailio } from '../../app/notify-kamailio.js';
import { loadIspPolicy } from '../../policy/load-isp-config.js';
import { preparePlan, type PreparedPlan } from '../../app/prepare-plan.js';
import type { Logger } from '../../app/logger.js';
import { UserError } from '../../errors.js';
import { domainAllowed, type DomainCheck } from '../../model/plan.js';
import { renderPlanText } from '../../render/render-text.js';
import { confirm } from '../confirm.js';
import { EXIT_ERROR, EXIT_KAMAILIO_NOT_TOLD, EXIT_OK } from '../exit-codes.js';
import { reportError } from '../report-error.js';
import { terminalText } from '../../render/safe-text.js';
import { out, stderrLogger, styleFor } from '../output.js';
import { safetyText } from '../safety-text.js';
import { sendWelcomeMails, welcomeReport } from '../../app/welcome-mail.js';
import { changedTargets } from '../../welcome/recipients.js';

interface ApplyOptions {
  autoApprove?: boolean;
  allowUnsafe?: boolean;
  spreadsheet?: boolean;
  /** Milliseconds (parsed by main.ts). */
  lockTimeout?: number;
  /** A saved plan (`plan --out`) to apply instead of planning afresh. */
  plan?: string;
  dnsServer?: string[];
  /** Mail joiners and rotated users their cards after the apply (also: welcome.on_apply). */
  sendWelcome?: boolean;
}

export default async function apply(file: string, options: ApplyOptions, command: Command): Promise<number> {
  const log = stderrLogger();
  const prepared = await preparePlan(file, process.env, log, {
    lockTimeoutMs: options.lockTimeout ?? 60_000,
    ...(options.plan !== undefined ? { savedPlan: options.plan } : { unchangedCheck: { spreadsheet: options.spreadsheet !== false } }),
    ...(options.dnsServer ? { dnsServers: options.dnsServer } : {}),
  });
  try {
    return await applyPrepared(prepared, file, options, command, log);
  } finally {
    await prepared.close();
  }
}

async function applyPrepared(prepared: PreparedPlan, file: string, options: ApplyOptions, command: Command, log: Logger): Promise<number> {
  const globals = command.optsWithGlobals<{ color?: boolean }>();
  const { plan } = prepared;
  out(renderPlanText(plan, styleFor(process.stdout, globals.color)));
  // A tenant is written onto a domain only once the domain is proven to be the customer's.
  if (!domainAllowed(plan.domainCheck)) throw unverifiedDomain(plan.domainCheck!, file);
  if (!plan.safety.ok) {
    process.stderr.write(safetyText(plan.safety));
    if (!options.allowUnsafe) throw new UserError('refusing an unsafe plan; nothing was changed', 're-run with --allow-unsafe once you have checked the plan');
  }
  if (plan.changes.length > 0 && !options.autoApprove) {
    const answer = await confirm(`\nApply these changes to ${plan.domain}? Only 'yes' will be accepted: `);
    if (answer !== 'yes') throw new UserError('apply cancelled; nothing was changed');
  }
  const result = await executeApply(prepared, log, { spreadsheet: options.spreadsheet !== false });
  const s = plan.summary;
  out(
    plan.changes.length === 0
      ? `\nApply complete: no changes.${result.spreadsheet ? ` Credentials: ${terminalText(result.spreadsheet)}` : ''}\n`
      : `\nApply complete: ${s.create} created, ${s.update} updated, ${s.disable} disabled, ${s.delete} deleted.${result.spreadsheet ? ` Credentials: ${terminalText(result.spreadsheet)}` : ''}\n`,
  );
  // Committed: now, and only now, Kamailio drops what it keeps in memory of the old rows
  // (its domain list, registrations). A failure there is a warning and exit 3, never an undo.
  const isp = await loadIspPolicy(process.env);
  const kamailio = await notifyKamailio(plan, isp.kamailio, log);
  // The passwords are in the PBX now: joiners and rotated users may get them.
  const mailFailed = options.sendWelcome || prepared.config.welcome.onApply ? await mailWelcome(prepared, isp) : false;
  // The PBX is up to date; what could not follow (state store, spreadsheet) fails the run, each in its line.
  for (const problem of result.afterCommit) reportError(problem, styleFor(process.stderr, globals.color));
  if (result.afterCommit.length > 0 || mailFailed) return EXIT_ERROR;
  // For the next run's no-change check (a plan that changed rows is not one).
  if (result.memo.remember) await prepared.memo.remember(plan, result.memo.spreadsheet);
  return kamailio.failed > 0 ? EXIT_KAMAILIO_NOT_TOLD : EXIT_OK;
}

/** True when a mail failed (each failure is in the report; the others were sent). */
async function mailWelcome(prepared: PreparedPlan, isp: Awaited<ReturnType<typeof loadIspPolicy>>): Promise<boolean> {
  const targets = changedTargets(prepared.plan);
  const lines = await sendWelcomeMails({ ...prepared, smtp: isp.smtp, env: process.env }, targets, { dryRun: false });
  out(welcomeReport(lines, false));
  return lines.some((l) => l.outcome === 'failed');
}

function unverifiedDomain(check: DomainCheck, file: string): UserError {
  const what = check.reason === 'create' ? 'create the tenant on' : 'move the tenant onto';
  return new UserError(
    `refusing to ${what} ${check.domain}: it is not verified (${check.state}${check.detail ? `: ${check.detail}` : ''}); nothing was changed`,
    `the customer's DNS admin creates ${check.record.name} TXT "${check.record.value}"; then check it with: pbxsync domain verify ${file}`,
  );
}
