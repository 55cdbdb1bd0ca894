/**
 * Applies a prepared plan: state first (allocations are intentions, safe to remember early),
 * then every PBX row in one transaction guarded by the plan's fingerprint, then the spreadsheet.
 */
import { buildRowOps } from '../core/row-ops.js';
import { hashSoftphonePassword } from '../credentials/softphone-hash.js';
import type { AccountView, Plan } from '../model/plan.js';
import { writeSpreadsheet } from '../spreadsheet/write-spreadsheet.js';
import type { Logger } from './logger.js';
import type { PreparedPlan } from './prepare-plan.js';
import { spreadsheetRows } from './spreadsheet-rows.js';

export interface ApplyResult {
  readonly spreadsheet: string | null;
}

export async function executeApply(prepared: PreparedPlan, log: Logger, options: { spreadsheet: boolean }): Promise<ApplyResult> {
  const { plan, config, credentials } = prepared;
  const hashes = await softphoneHashes(plan, (a) => credentials.derive(a).softphonePassword, log);
  const ops = buildRowOps(plan, {
    subscriber: (a) => {
      const c = credentials.derive(a);
      return { username: a.username, password: config.credentials.storePlaintext ? c.sipPassword : '', ha1: c.ha1, ha1b: c.ha1b };
    },
    softphoneHash: (a) => hashes.get(a.objectId) ?? '',
  });
  await prepared.state.save(config.name, plan.nextState);
  if (plan.changes.length > 0) await prepared.pbx.apply(ops, plan.pbxFingerprint);
  if (!options.spreadsheet) return { spreadsheet: null };
  const path = config.spreadsheet.path;
  await writeSpreadsheet(path, {
    tenant: config.name,
    domain: config.domain,
    rows: spreadsheetRows(plan, credentials),
    phoneSetup: config.spreadsheet.phoneSetup,
  });
  log.info(`wrote ${path} (mode 0600)`);
  return { spreadsheet: path };
}

/**
 * scrypt hashes for the accounts whose credentials are written, computed on libuv's thread
 * pool. Deliberately slow (~20 ms each on one core): a first import of 20,000 users spends
 * minutes here, so it reports progress; later re-syncs only hash joiners and rotations.
 */
async function softphoneHashes(plan: Plan, password: (a: AccountView) => string, log: Logger): Promise<Map<string, string>> {
  const accounts: AccountView[] = [];
  for (const c of plan.changes) {
    if (c.kind === 'create' && c.entity === 'subscriber') accounts.push(c.after);
    else if (c.kind === 'update' && (c.rotate || c.before.username !== c.after.username)) accounts.push(c.after);
  }
  if (accounts.length > 100) log.info(`hashing ${accounts.length} softphone passwords (scrypt)…`);
  let done = 0;
  const hashed = await Promise.all(
    accounts.map(async (a) => {
      const hash = await hashSoftphonePassword(password(a));
      if (++done % 50 === 0 || done === accounts.length) log.progress('softphone hashes', done, accounts.length);
      return [a.objectId, hash] as const;
    }),
  );
  return new Map(hashed);
}
