/**
 * Gathers the plan's inputs — tenant file, master key, directory, PBX rows, stored state — and
 * runs the pure core, or replays a saved plan against them. Shared by `plan`, `apply` and
 * `discover`. Nothing here writes to the PBX or the state store.
 */
import { readFileSync } from 'node:fs';
import { loadTenant, TenantFileError } from '../config/load-tenant.js';
import { formatProblem } from '../config/problem.js';
import { locatorFor } from '../config/yaml-positions.js';
import { makePlan } from '../core/make-plan.js';
import type { Locate } from '../core/override-warnings.js';
import { replayPlan } from '../core/replay-plan.js';
import { CredentialDeriver } from '../credentials/credentials.js';
import { loadMasterKey, type MasterKey } from '../credentials/master-key.js';
import type { DirectoryUser } from '../model/directory-user.js';
import type { SoftphoneHashPolicy } from '../credentials/softphone-hash.js';
import type { Plan } from '../model/plan.js';
import type { StoredTenantState } from '../model/stored-state.js';
import type { TenantConfig } from '../model/tenant-config.js';
import type { PbxTenantState } from '../model/pbx-state.js';
import { openTenantPbx } from './open-tenant-pbx.js';
import type { PbxLock, PbxProvider } from '../pbx/provider.js';
import { openStateStore, type StateStore } from '../state/state-store.js';
import type { Logger } from './logger.js';
import { readTenantDirectory, type ReadOptions } from './read-directory.js';
import { readSavedPlan } from './saved-plan.js';
import { loadIspPolicy } from '../policy/load-isp-config.js';
import { inNamespace } from '../policy/isp-policy.js';
import { moveFingerprint } from '../pbx/fingerprint.js';
import { UserError } from '../errors.js';
import { checkNewDomain } from './domain-check.js';
import { terminalText } from '../render/safe-text.js';
import { planInputsDigest } from '../core/plan-inputs.js';
import { pbxsyncVersion } from '../version.js';
import { openCacheStore } from '../state/state-store.js';
import { rememberUnchanged, unchangedPlan, type SpreadsheetStamp } from './unchanged-check.js';
import type { IspPolicy } from '../policy/isp-policy.js';

export interface PreparedPlan {
  readonly config: TenantConfig;
  readonly key: MasterKey;
  readonly plan: Plan;
  readonly directory: readonly DirectoryUser[];
  readonly pbx: PbxProvider;
  readonly state: StateStore;
  /** The tenant's record as the state store held it when the plan was made. */
  readonly stored: StoredTenantState;
  readonly credentials: CredentialDeriver;
  /** The ISP's form for stored softphone passwords. */
  readonly softphoneHash: SoftphoneHashPolicy;
  /**
   * The plan is the last run's no-change plan, found unchanged (`unchanged-check.ts`) without
   * reading the PBX rows: `plan.accounts` is empty, and the spreadsheet (if asked for) is as written.
   */
  readonly unchanged: boolean;
  /** For the next run's no-change check (`unchanged-check.ts`); never fails the run. */
  readonly memo: NoChangeMemo;
  /** Close the PBX connection and the state store, and release the lock. */
  close(): Promise<void>;
}

interface NoChangeMemo {
  /**
   * Remember `plan` when it is a no-change plan; `spreadsheet`: the file this run wrote. After
   * an apply that changed rows nothing is remembered: the next run plans in full (its plan
   * cannot be known without reading the rows again) and remembers then.
   */
  remember(plan: Plan, spreadsheet: SpreadsheetStamp | null): Promise<void>;
}

export async function loadConfig(file: string, env: NodeJS.ProcessEnv, log: Logger): Promise<TenantConfig> {
  const { config, problems } = await loadTenant(file, env);
  if (!config) throw new TenantFileError(problems);
  for (const p of problems) log.warn(formatProblem(p));
  return config;
}

export interface PrepareOptions {
  /**
   * Take the tenant's lock before reading the PBX, waiting at most this long; the lock is
   * held until `close()`, so read → plan → confirm → apply never interleave with another
   * apply of the tenant. Unset (plan): no lock.
   */
  readonly lockTimeoutMs?: number;
  /** How the directory is read (device code, progress, delta cache). */
  readonly read?: ReadOptions;
  /** DNS servers (`host:port`) for the domain check, instead of the ISP configuration's. */
  readonly dnsServers?: readonly string[];
  /**
   * Apply this saved plan (`plan --out`) instead of planning afresh: the directory is not
   * read, and the plan is refused unless it is this tenant's, signed with this key, made from
   * this tenant file, and the PBX rows and the record are still as it saw them.
   */
  readonly savedPlan?: string;
  /**
   * Try the no-change check first (`unchanged-check.ts`). `spreadsheet`: the run writes the
   * tenant's spreadsheet, which must then be the file the last run wrote.
   */
  readonly unchangedCheck?: { readonly spreadsheet: boolean };
}

export async function preparePlan(file: string, env: NodeJS.ProcessEnv, log: Logger, options: PrepareOptions = {}): Promise<PreparedPlan> {
  const config = await loadConfig(file, env, log);
  const key = loadMasterKey(env);
  const credentials = new CredentialDeriver(key.key, config.name, config.domain);
  // A saved plan is checked before anything is read: a foreign or edited plan costs nothing.
  const saved = options.savedPlan === undefined ? undefined : readSavedPlan(options.savedPlan, config, key.key, key.id);
  const isp = await loadIspPolicy(env);
  const directory = saved === undefined ? await readUsers(config, log, { ...options.read, ispDomain: inNamespace(isp, config.domain) }) : [];

  const pbx = await openTenantPbx(config, isp, log);
  const lock = await lockTenant(pbx, config, log, options).catch(async (err: unknown) => {
    await pbx.close();
    throw err;
  });
  const state = openStateStore(config.state.url, config.labels.stateUrl);
  const close = () => closeAll(pbx, state, lock);
  try {
    const stored = await state.load(config.name);
    const inputs =
      saved === undefined
        ? planInputsDigest({
            version: pbxsyncVersion(),
            tenantFileText: readFileSync(config.file, 'utf8'),
            config,
            directory,
            stored,
            keyId: key.id,
            policy: planPolicy(isp, config),
          })
        : null;
    const common = { config, key, directory, pbx, state, stored, credentials, softphoneHash: isp.softphoneHash, close };
    const memo = noChangeMemo({ config, key, log, inputs, stored });
    if (inputs !== null && options.unchangedCheck) {
      const quick = await checkUnchanged(config, key, {
        inputs,
        stored,
        pbx,
        spreadsheet: options.unchangedCheck.spreadsheet ? config.spreadsheet.path : null,
      });
      if (quick) {
        log.info(
          `unchanged since the last run: the same tenant file, directory and record, and PBX rows with the same fingerprint (${quick.pbxFingerprint.slice(0, 12)}); the rows were not read`,
        );
        return { ...common, plan: quick, unchanged: true, memo };
      }
    }
    const target = await pbx.read(config.domain, config.name);
    const home = await tenantHome(pbx, config, target);
    const domainCheck = target.domain.exists ? null : await checkNewDomain(config, key.key, env, home.move ? 'move' : 'create', options.dnsServers);
    const base = { config, pbx: home.rows, stored, credentials, keyId: key.id, domainCheck, ...(home.move ? { move: home.move } : {}) };
    const plan = saved === undefined ? makePlan({ ...base, directory, locate: locateIn(config) }) : replayPlan(base, { ...saved, name: options.savedPlan! });
    return { ...common, plan, unchanged: false, memo };
  } catch (err) {
    await close();
    throw err;
  }
}

function noChangeMemo(ctx: {
  readonly config: TenantConfig;
  readonly key: MasterKey;
  readonly log: Logger;
  readonly inputs: string | null;
  readonly stored: StoredTenantState;
}): NoChangeMemo {
  const { config, key, log, inputs } = ctx;
  return {
    remember: (plan, spreadsheet) =>
      inputs === null
        ? Promise.resolve()
        : rememberPlan(config, key, log, async () => ({ plan, inputs, stored: ctx.stored, pbxFingerprint: plan.pbxFingerprint, spreadsheet })),
  };
}

/** What of the ISP configuration a plan depends on. */
function planPolicy(isp: IspPolicy, config: TenantConfig): unknown {
  return { namespace: inNamespace(isp, config.domain), softphoneHash: isp.softphoneHash };
}

async function checkUnchanged(
  config: TenantConfig,
  key: MasterKey,
  input: { inputs: string; stored: StoredTenantState; pbx: PbxProvider; spreadsheet: string | null },
): Promise<Plan | null> {
  const cache = openCacheStore(config.state.url, config.labels.stateUrl);
  try {
    return await unchangedPlan(cache, {
      config,
      inputs: input.inputs,
      stored: input.stored,
      keyId: key.id,
      masterKey: key.key,
      spreadsheet: input.spreadsheet,
      pbxFingerprint: () => input.pbx.fingerprint(config.domain, config.name),
    });
  } finally {
    await cache.close();
  }
}

/** The cache is never needed for correctness: a failure to remember is a notice, not an error. */
async function rememberPlan(config: TenantConfig, key: MasterKey, log: Logger, made: () => Promise<Parameters<typeof rememberUnchanged>[2]>): Promise<void> {
  const cache = openCacheStore(config.state.url, config.labels.stateUrl);
  try {
    await rememberUnchanged(cache, key.key, await made());
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    log.warn(`notice: the no-change check could not be remembered (${err.message}); the next run plans in full`);
  } finally {
    await cache.close();
  }
}

/**
 * Where the tenant's rows are: in the tenant file's domain, or — when that domain has no row
 * yet and the tenant's did already names another one — in its old domain, which the plan
 * then moves onto the new one. The new domain must hold no row at all.
 */
async function tenantHome(pbx: PbxProvider, config: TenantConfig, target: PbxTenantState): Promise<{ rows: PbxTenantState; move?: { from: string } }> {
  const others = target.domain.otherDomainsOfDid;
  if (target.domain.exists || others.length !== 1) return { rows: target };
  const from = others[0]!;
  const rowCount = target.subscribers.length + target.aliases.length + target.preferences.length;
  if (rowCount > 0) {
    throw new UserError(
      `tenant ${config.name} cannot move from ${from} to ${config.domain}: ${config.domain} already holds ${rowCount} row${rowCount === 1 ? '' : 's'} (subscribers, extensions or preferences); nothing was changed`,
      `a tenant moves only onto an empty domain: remove those rows, or keep domain: ${from}`,
    );
  }
  const origin = await pbx.read(from, config.name);
  return { rows: { ...origin, fingerprint: moveFingerprint(origin.fingerprint, target.fingerprint) }, move: { from } };
}

function locateIn(config: TenantConfig): Locate {
  const locator = locatorFor(config, config.file);
  return (path) => ({ file: locator.file, ...locator.locate(path, 'key') });
}

async function readUsers(config: TenantConfig, log: Logger, options: ReadOptions | undefined): Promise<DirectoryUser[]> {
  const label = 'reading the directory';
  const onProgress = options?.onProgress ?? ((n: number) => log.progress(label, n));
  const directory = (await readTenantDirectory(config, log, { ...options, onProgress })).users;
  log.progress(label, directory.length, directory.length);
  log.info(`read ${directory.length} users from the directory`);
  return directory;
}

/** Keyed by the tenant's name (its did), not its domain: a tenant may move to another domain. */
async function lockTenant(pbx: PbxProvider, config: TenantConfig, log: Logger, options: PrepareOptions): Promise<PbxLock | null> {
  if (options.lockTimeoutMs === undefined) return null;
  return pbx.lock(config.name, {
    timeoutMs: options.lockTimeoutMs,
    tenant: config.name,
    onWait: (holder) =>
      // The holder's description comes from a lock file or the database: shown as text, never as control codes.
      log.warn(
        `waiting for tenant ${config.name}, locked${holder ? ` by ${terminalText(holder.who)}${holder.since ? ` since ${terminalText(holder.since)}` : ''}` : ''} (up to --lock-timeout ${Math.round(options.lockTimeoutMs! / 1000)}s)`,
      ),
  });
}

async function closeAll(pbx: PbxProvider, state: StateStore, lock: PbxLock | null): Promise<void> {
  await Promise.allSettled([pbx.close(), state.close()]);
  await lock?.release();
}
