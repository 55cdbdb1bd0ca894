/**
 * Gathers the plan's inputs — tenant file, directory, PBX rows, stored state, master key — and
 * runs the pure core. Shared by `plan`, `apply` and (later) `discover`.
 */
import { loadTenant, TenantFileError } from '../config/load-tenant.js';
import { overridesMatchingNobody } from '../config/semantic-rules.js';
import { formatProblem, type Problem } from '../config/problem.js';
import { makePlan } from '../core/make-plan.js';
import { stateFingerprint } from '../core/state-fingerprint.js';
import { UserError } from '../errors.js';
import type { StoredTenantState } from '../model/stored-state.js';
import { readSavedPlan } from './saved-plan.js';
import { CredentialDeriver } from '../credentials/credentials.js';
import { loadMasterKey } from '../credentials/master-key.js';
import type { DirectoryUser } from '../model/directory-user.js';
import type { Plan } from '../model/plan.js';
import type { TenantConfig } from '../model/tenant-config.js';
import { openPbx } from '../pbx/open-pbx.js';
import type { PbxLock, PbxProvider } from '../pbx/provider.js';
import { openStateStore, type StateStore } from '../state/state-store.js';
import type { Logger } from './logger.js';
import { readTenantDirectory, type ReadOptions } from './read-directory.js';
import { dirname } from 'node:path';

export interface PreparedPlan {
  readonly config: TenantConfig;
  readonly plan: Plan;
  readonly directory: readonly DirectoryUser[];
  readonly pbx: PbxProvider;
  readonly state: StateStore;
  readonly credentials: CredentialDeriver;
  /** Close the PBX connection and the state store. */
  close(): Promise<void>;
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
  /**
   * Apply this saved plan (`plan --out`) instead of planning afresh: the directory is not
   * read, and the plan is refused unless the PBX rows and the state are still as it saw them.
   */
  readonly savedPlan?: string;
}

export async function preparePlan(file: string, env: NodeJS.ProcessEnv, log: Logger, options: PrepareOptions = {}): Promise<PreparedPlan> {
  const config = await loadConfig(file, env, log);
  const key = loadMasterKey(env);
  if (key.created) log.warn(`notice: created a new master key at ${key.origin} (mode 0600). Back it up: every password is derived from it.`);
  const credentials = new CredentialDeriver(key.key, config.name, config.domain, config.credentials.storePlaintext);

  const directory = options.savedPlan === undefined ? await readUsers(config, log, options.read) : [];

  const pbx = await openPbx(config.pbx.url, dirname(config.file));
  const lock = await lockTenant(pbx, config, log, options).catch(async (err: unknown) => {
    await pbx.close();
    throw err;
  });
  const state = openStateStore(config.state.url);
  const close = () => closeAll(pbx, state, lock);
  try {
    const [current, stored] = await Promise.all([pbx.read(config.domain), state.load(config.name)]);
    const plan =
      options.savedPlan === undefined
        ? makePlan({ config, directory, pbx: current, stored, credentials })
        : checkedSavedPlan(options.savedPlan, config, current.fingerprint, stored);
    return { config, plan, directory, pbx, state, credentials, close };
  } catch (err) {
    await close();
    throw err;
  }
}

async function readUsers(config: TenantConfig, log: Logger, options: ReadOptions | undefined): Promise<DirectoryUser[]> {
  const directory = (await readTenantDirectory(config, log, options)).users;
  log.info(`read ${directory.length} users from the directory`);
  for (const p of overridesMatchingNobody(config, directory) as Problem[]) log.warn(formatProblem(p));
  return directory;
}

/** A saved plan, refused when the PBX rows or the stored state moved on since it was made. */
function checkedSavedPlan(path: string, config: TenantConfig, pbxFingerprint: string, stored: StoredTenantState): Plan {
  const plan = readSavedPlan(path, config);
  const hint = `make a new plan: pbxsync plan ${config.file} --out ${path}`;
  if (plan.pbxFingerprint !== pbxFingerprint) throw new UserError(`the PBX rows of ${config.domain} changed since ${path} was made; nothing was changed`, hint);
  if (plan.stateFingerprint !== stateFingerprint(stored)) throw new UserError(`the state of tenant ${config.name} changed since ${path} was made; nothing was changed`, hint);
  return plan;
}

async function lockTenant(pbx: PbxProvider, config: TenantConfig, log: Logger, options: PrepareOptions): Promise<PbxLock | null> {
  if (options.lockTimeoutMs === undefined) return null;
  return pbx.lock(config.domain, {
    timeoutMs: options.lockTimeoutMs,
    tenant: config.name,
    onWait: (holder) =>
      log.warn(`waiting for tenant ${config.name}, locked${holder ? ` by ${holder.who}${holder.since ? ` since ${holder.since}` : ''}` : ''} (up to --lock-timeout ${Math.round(options.lockTimeoutMs! / 1000)}s)`),
  });
}

async function closeAll(pbx: PbxProvider, state: StateStore, lock: PbxLock | null): Promise<void> {
  await Promise.allSettled([pbx.close(), state.close()]);
  await lock?.release();
}
