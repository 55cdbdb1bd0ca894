/**
 * After an apply, with `cards.after_apply: true`: the setup cards and provisioning files of
 * the plan's active accounts, from the same derived credentials as the spreadsheet. A failure
 * is reported after the commit like the spreadsheet's; `pbxsync cards FILE` writes them again.
 */
import { setupCards } from '../cards/setup-cards.js';
import { writeSetupKit, type KitResult } from '../cards/write-setup-kit.js';
import { UserError } from '../errors.js';
import { loadIspPolicy } from '../policy/load-isp-config.js';
import type { Logger } from './logger.js';
import type { PreparedPlan } from './prepare-plan.js';

export async function writeCardsAfterApply(prepared: PreparedPlan, log: Logger): Promise<UserError | null> {
  const { config, plan, credentials, key } = prepared;
  if (!config.cards.afterApply) return null;
  try {
    const { acrobitsCloudId } = await loadIspPolicy(process.env);
    logKit(await writeSetupKit(config, setupCards(plan.accounts, config, credentials, key.key, acrobitsCloudId)), config.cards.folder, log);
    return null;
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    return new UserError(
      `the PBX was updated, but the setup cards could not be written: ${err.message}`,
      `${err.hint ? `${err.hint}; then ` : ''}write them with: pbxsync cards ${config.file}`,
    );
  }
}

export function logKit(kit: KitResult, folder: string, log: Logger): void {
  log.info(`setup cards in ${folder}: ${kit.written.length} written, ${kit.unchanged} unchanged, ${kit.removed.length} removed (mode 0600)`);
}
