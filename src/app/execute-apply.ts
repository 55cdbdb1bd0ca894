/**
 * Applies a prepared plan: every PBX row in one transaction guarded by the plan's
 * fingerprint (the tenant's record included, as ledger rows), then the same record to the
 * state store, then the spreadsheet. The state store is written after the commit: if that
 * write fails, the PBX rows hold the record and the next run writes it back.
 */
import { canonicalJson } from '../core/canonical-json.js';
import { buildRowOps } from '../core/row-ops.js';
import { hashSoftphonePassword, type SoftphoneHashPolicy } from '../credentials/softphone-hash.js';
import { UserError } from '../errors.js';
import type { AccountView, Plan } from '../model/plan.js';
import { writeSpreadsheet } from '../spreadsheet/write-spreadsheet.js';
import type { Logger } from './logger.js';
import type { PreparedPlan } from './prepare-plan.js';
import { spreadsheetRows } from './spreadsheet-rows.js';
import { desiredPhoneFiles, hasPhones } from '../phones/desired-phone-files.js';
import { writePhoneFiles, type PhoneFilesResult } from '../phones/write-phone-files.js';
import { existsSync } from 'node:fs';
import { spreadsheetStamp, type SpreadsheetStamp } from './unchanged-check.js';

export interface ApplyResult {
  readonly spreadsheet: string | null;
  /** The desk phones' provisioning files written and removed; null: none to manage, or unchanged. */
  readonly phones: PhoneFilesResult | null;
  /**
   * What failed after the PBX commit (the state store, the spreadsheet): the PBX rows are
   * applied either way, and each problem says so.
   */
  readonly afterCommit: readonly UserError[];
  /**
   * For the next run's no-change check: the spreadsheet written (null: none), and whether
   * the apply is worth remembering at all (nothing failed after the commit).
   */
  readonly memo: { readonly spreadsheet: SpreadsheetStamp | null; readonly remember: boolean };
}

export async function executeApply(prepared: PreparedPlan, log: Logger, options: { spreadsheet: boolean }): Promise<ApplyResult> {
  const { plan, config, credentials } = prepared;
  if (plan.changes.length > 0) {
    const hashes = await softphoneHashes(plan, (a) => credentials.derive(a).softphonePassword, log, prepared.softphoneHash);
    const ops = buildRowOps(plan, {
      subscriber: (a) => {
        const c = credentials.derive(a);
        return { username: a.username, password: config.credentials.storePlaintext ? c.sipPassword : '', ha1: c.ha1, ha1b: c.ha1b };
      },
      softphoneHash: (a) => {
        const hash = hashes.get(a.objectId);
        if (hash === undefined) throw new Error(`no softphone hash was computed for ${a.objectId}`);
        return hash;
      },
    });
    await prepared.pbx.apply(ops, plan.pbxFingerprint, (written, total) => log.progress('writing rows', written, total));
  }
  const stateError = await saveState(prepared);
  const afterCommit = stateError ? [stateError] : [];
  const phones = prepared.unchanged ? null : phoneFiles(prepared, log, afterCommit);
  const path = config.spreadsheet.path;
  if (!options.spreadsheet || prepared.unchanged) {
    // Unchanged: the spreadsheet on disk is the one the last apply wrote for these same accounts.
    if (prepared.unchanged && options.spreadsheet) log.info(`${path} is up to date: nothing changed since it was written`);
    return {
      spreadsheet: options.spreadsheet ? path : null,
      phones,
      afterCommit,
      memo: { spreadsheet: null, remember: !prepared.unchanged && afterCommit.length === 0 },
    };
  }
  try {
    await writeSpreadsheet(path, {
      tenant: config.name,
      domain: config.domain,
      rows: spreadsheetRows(plan, credentials),
      phoneSetup: config.spreadsheet.phoneSetup,
      encryptTo: config.spreadsheet.encryptTo,
    });
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    const hint = `${err.hint ? `${err.hint}; then ` : ''}run the apply again: with nothing left to change, it only writes the spreadsheet`;
    return {
      spreadsheet: null,
      phones,
      afterCommit: [...afterCommit, new UserError(`the PBX was updated, but the credentials spreadsheet could not be written: ${err.message}`, hint)],
      memo: { spreadsheet: null, remember: false },
    };
  }
  const sealed = config.spreadsheet.encryptTo.length;
  log.info(sealed > 0 ? `wrote ${path} (mode 0600), encrypted to ${sealed} age ${sealed === 1 ? 'recipient' : 'recipients'}` : `wrote ${path} (mode 0600)`);
  // PDF and QR libraries load only for a tenant that writes cards (tens of MB).
  const cardsError = config.cards.afterApply ? await (await import('./apply-cards.js')).writeCardsAfterApply(prepared, log) : null;
  if (cardsError)
    return { spreadsheet: path, phones, afterCommit: [...afterCommit, cardsError], memo: { spreadsheet: spreadsheetStamp(path), remember: false } };
  return { spreadsheet: path, phones, afterCommit, memo: { spreadsheet: spreadsheetStamp(path), remember: afterCommit.length === 0 } };
}

/**
 * The desk phones' provisioning files for the accounts after this apply (the same derived
 * passwords as the spreadsheet): only files whose content changed are written, and those of
 * leavers and removed phones go. A failure is reported after the commit, like the spreadsheet's.
 */
function phoneFiles(prepared: PreparedPlan, log: Logger, afterCommit: UserError[]): PhoneFilesResult | null {
  const { config, plan, credentials } = prepared;
  const folder = config.phones.path;
  if (!hasPhones(config) && !existsSync(folder)) return null;
  try {
    const files = desiredPhoneFiles(config, plan.accounts, (a) => credentials.derive(a).sipPassword);
    const result = writePhoneFiles(
      folder,
      config.name,
      files.map((f) => f.file),
    );
    if (result.written.length > 0 || result.removed.length > 0) {
      log.info(
        `phone provisioning files in ${folder}: ${result.written.length} written, ${result.removed.length} removed, ${result.unchanged} unchanged (mode 0600)`,
      );
    }
    return result;
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    afterCommit.push(
      new UserError(
        `the PBX was updated, but the phone provisioning files could not be written: ${err.message}`,
        `${err.hint ? `${err.hint}; then ` : ''}run the apply again`,
      ),
    );
    return null;
  }
}

/** Writes the record to the state store when it differs from what the store holds. */
async function saveState(prepared: PreparedPlan): Promise<UserError | null> {
  const { plan, config } = prepared;
  if (canonicalJson(plan.nextState) === canonicalJson(prepared.stored)) return null;
  try {
    await prepared.state.save(config.name, plan.nextState);
    return null;
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    return new UserError(
      `the PBX was updated, but the state store could not be: ${err.message}`,
      "nothing is lost: the tenant's PBX rows hold its record, and the next run writes it to the state store once that works",
    );
  }
}

/**
 * Hashes of the softphone passwords that this apply writes, computed on libuv's thread pool;
 * reports progress, since a first import of a large tenant hashes many.
 */
async function softphoneHashes(plan: Plan, password: (a: AccountView) => string, log: Logger, policy: SoftphoneHashPolicy): Promise<Map<string, string>> {
  const accounts: AccountView[] = [];
  for (const c of plan.changes) {
    if (c.entity !== 'subscriber' || (c.kind !== 'create' && c.kind !== 'update')) continue;
    if (c.credentials.writeSoftphoneHash) accounts.push(c.after);
  }
  if (accounts.length > 100) log.info(`hashing ${accounts.length} softphone passwords…`);
  let done = 0;
  const hashed = await Promise.all(
    accounts.map(async (a) => {
      const hash = await hashSoftphonePassword(password(a), policy);
      if (++done % 50 === 0 || done === accounts.length) log.progress('softphone hashes', done, accounts.length);
      return [a.objectId, hash] as const;
    }),
  );
  return new Map(hashed);
}
