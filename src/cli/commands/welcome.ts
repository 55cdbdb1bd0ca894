import { preparePlan } from '../../app/prepare-plan.js';
import { sendWelcomeMails, welcomeReport } from '../../app/welcome-mail.js';
import { UserError } from '../../errors.js';
import { loadIspPolicy } from '../../policy/load-isp-config.js';
import { askedTargets, changedTargets } from '../../welcome/recipients.js';
import { EXIT_ERROR, EXIT_OK } from '../exit-codes.js';
import { out, stderrLogger } from '../output.js';

interface WelcomeOptions {
  dryRun?: boolean;
  all?: boolean;
  user?: string[];
}

/**
 * `pbxsync welcome FILE`: mail users their cards outside an apply. Without --all/--user it
 * shows (with --dry-run) whom `apply --send-welcome` would mail now: the pending plan's joiners
 * and rotations. Mail goes only to accounts the PBX already has as planned: passwords that an
 * apply has not written yet would not work.
 */
export default async function welcome(file: string, options: WelcomeOptions): Promise<number> {
  const log = stderrLogger();
  const prepared = await preparePlan(file, process.env, log, {});
  try {
    const { plan } = prepared;
    const dryRun = options.dryRun === true;
    const asked = options.all ? 'all' : options.user && options.user.length > 0 ? options.user : null;
    if (plan.changes.length > 0 && !dryRun) {
      throw new UserError(
        `the PBX does not match ${file} yet (${plan.changes.length} change(s) pending): the passwords mailed would not all work; nothing was sent`,
        `apply first: pbxsync apply ${file} --send-welcome mails the joiners and rotated users once the changes are in`,
      );
    }
    if (asked === null && !dryRun) {
      throw new UserError(
        'nobody to mail: nothing is pending, so there are no joiners or rotations',
        'name users with --user UPN (repeatable), or mail everyone with --all; --dry-run shows who would get what',
      );
    }
    const { targets, unknown } = asked === null ? { targets: changedTargets(plan), unknown: [] } : askedTargets(plan, asked);
    if (unknown.length > 0)
      throw new UserError(
        `no active account for ${unknown.join(', ')}; nothing was sent`,
        'name users by UPN or directory object id, as the spreadsheet lists them',
      );
    const isp = await loadIspPolicy(process.env);
    const lines = await sendWelcomeMails(
      { ...prepared, smtp: isp.smtp, env: process.env, ...(isp.acrobitsCloudId !== undefined ? { acrobitsCloudId: isp.acrobitsCloudId } : {}) },
      targets,
      { dryRun },
    );
    out(welcomeReport(lines, dryRun));
    return lines.some((l) => l.outcome === 'failed') ? EXIT_ERROR : EXIT_OK;
  } finally {
    await prepared.close();
  }
}
