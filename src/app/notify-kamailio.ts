/**
 * Tells Kamailio what a committed apply changed (src/kamailio/apply-commands.ts): a new
 * tenant's domain (`domain.reload`) and the registrations that must end (`ul.rm`). Runs only
 * after the PBX commit; nothing here can undo or fail the apply. Every command that does not
 * go through is a warning line with the exact kamcmd command to run by hand, and the CLI
 * exits with its own code. Without a `kamailio` section in the ISP configuration nothing is
 * sent, and the commands to run by hand are printed once — only when there are any.
 */
import { UserError } from '../errors.js';
import type { Plan } from '../model/plan.js';
import type { KamailioControlConfig } from '../policy/isp-policy.js';
import { kamailioCommands } from '../kamailio/apply-commands.js';
import { openKamailioControl, type KamailioControl, type RpcOutcome } from '../kamailio/control.js';
import { handCommand, type HandCommandOptions } from '../kamailio/hand-command.js';
import { KamailioError } from '../kamailio/kamailio-error.js';
import type { RpcCommand } from '../kamailio/rpc-command.js';
import type { Logger } from './logger.js';

export interface KamailioNotice {
  /** Commands the apply needed Kamailio to run. */
  readonly commands: number;
  /** Of those, the ones that did not go through (0 when Kamailio is not configured: nothing was tried). */
  readonly failed: number;
}

export async function notifyKamailio(
  plan: Plan,
  config: KamailioControlConfig | null,
  log: Logger,
  open: (config: KamailioControlConfig) => KamailioControl = openKamailioControl,
): Promise<KamailioNotice> {
  const commands = kamailioCommands(plan);
  if (commands.length === 0) return { commands: 0, failed: 0 };
  if (config === null) {
    log.info(notConfiguredNotice(commands));
    return { commands: commands.length, failed: 0 };
  }
  const outcomes = await runAll(config, commands, open);
  const failures = outcomes.filter((o): o is Extract<RpcOutcome, { ok: false }> => !o.ok);
  const manual: HandCommandOptions = { kamcmd: config.kamcmd, ...(config.ctlSocket !== undefined ? { ctlSocket: config.ctlSocket } : {}) };
  if (failures.length > 0) log.warn(failureWarning(failures, commands.length, manual));
  else log.info(`told Kamailio: ${summary(commands)}`);
  return { commands: commands.length, failed: failures.length };
}

/** Opening the control (a bad URL) fails every command alike; everything else is per command. */
async function runAll(
  config: KamailioControlConfig,
  commands: readonly RpcCommand[],
  open: (config: KamailioControlConfig) => KamailioControl,
): Promise<readonly RpcOutcome[]> {
  let control: KamailioControl;
  try {
    control = open(config);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    const error = err instanceof KamailioError ? err : new KamailioError(err.message, err.hint);
    return commands.map((command) => ({ command, ok: false as const, error }));
  }
  return control.runAll(commands);
}

function notConfiguredNotice(commands: readonly RpcCommand[]): string {
  return [
    `note: Kamailio was not told about this apply (the ISP configuration has no kamailio section); to make it follow now, run:`,
    ...commands.map((c) => `  ${handCommand(c)}`),
  ].join('\n');
}

/**
 * One line per failed command: the kamcmd command to run by hand, and after `#` (so that the
 * line can be pasted into a shell as it is) why it failed. The hints, usually one for all, follow once.
 */
function failureWarning(failures: readonly Extract<RpcOutcome, { ok: false }>[], total: number, manual: HandCommandOptions): string {
  const hints = [...new Set(failures.map((f) => f.error.hint).filter((h): h is string => h !== undefined))];
  return [
    `warning: the PBX was updated, but Kamailio was not told (${failures.length} of ${total} command${total === 1 ? '' : 's'} failed); run by hand:`,
    ...failures.map((f) => `  ${handCommand(f.command, manual)}  # ${f.error.message}`),
    ...hints.map((h) => `  hint: ${h}`),
  ].join('\n');
}

function summary(commands: readonly RpcCommand[]): string {
  const reloads = commands.filter((c) => c.method === 'domain.reload').length;
  const removals = commands.filter((c) => c.method === 'ul.rm').length;
  return [
    ...(reloads > 0 ? ['domain.reload (the new domain is served)'] : []),
    ...(removals > 0 ? [`ul.rm for ${removals} address${removals === 1 ? '' : 'es'} (their registrations, if any, ended)`] : []),
  ].join(', ');
}
