/**
 * `pbxsync init`: the wizard's "discover, set defaults, edit users" as one step. Checks what
 * it was told as a tenant file (every layer `validate` runs, under the ISP's policy), reads
 * the directory the way `plan` does (the domain must be a verified one of it), and writes a
 * new tenant file listing every user in scope; never over an existing file. Mode 0644: a
 * tenant file holds no secret, only `${VAR}` references.
 */
import { lstatSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { checkTenantText } from '../config/load-tenant.js';
import { initDocument, type InitListing } from '../config/init-document.js';
import { optionAt, tenantSkeleton, type InitSettings } from '../config/init-skeleton.js';
import type { Problem } from '../config/problem.js';
import { validateTenantSchema } from '../config/schema-validate.js';
import { domainProblem } from '../config/semantic-rules.js';
import { cleanDirectory } from '../core/clean-directory.js';
import { compareUsers, inScope, scopeSummary } from '../core/scope.js';
import { UserError } from '../errors.js';
import { createPrivateFileSync } from '../fs/private-file.js';
import type { ScopeSummary } from '../model/plan.js';
import type { DirectoryUser } from '../model/directory-user.js';
import type { TenantConfig } from '../model/tenant-config.js';
import { inNamespace } from '../policy/isp-policy.js';
import { loadIspPolicy } from '../policy/load-isp-config.js';
import type { Logger } from './logger.js';
import { readDirectory } from './read-directory.js';

export interface InitResult {
  /** Who of the directory is listed, and why the others are not. */
  readonly summary: ScopeSummary;
}

export async function initTenantFile(
  file: string,
  settings: InitSettings,
  env: NodeJS.ProcessEnv,
  log: Logger,
  onProgress?: (n: number) => void,
): Promise<InitResult> {
  const path = resolve(file);
  refuseExisting(file, path);
  requireFolder(file, path);
  const skeleton = tenantSkeleton(settings);
  checkSettings(settings, skeleton);
  const isp = await loadIspPolicy(env);
  const check = (text: string) => checkTenantText(text, file, path, env, isp);
  const config = configOf(check(initDocument(skeleton, { users: [], summary: EMPTY_SUMMARY })));

  const read = await readDirectory(config, { log, ispDomain: inNamespace(isp, config.domain), ...(onProgress ? { onProgress } : {}) });
  const listing = listUsers(config, read.users);
  const text = initDocument(skeleton, listing);
  // The directory's text is in the file now; it must not have changed what the file says.
  const again = check(text);
  if (!again.config || again.config.users.length !== listing.users.length)
    throw new Error(`pbxsync init made a tenant file that does not check: ${again.problems.map((p) => p.message).join('; ')}`);
  if (!createPrivateFileSync(path, text, { what: 'tenant file', mode: 0o644 })) refuseExisting(file, path, true);
  return { summary: listing.summary };
}

const EMPTY_SUMMARY: ScopeSummary = { read: 0, inScope: 0, disabled: 0, guests: 0, otherDomains: {}, excluded: 0 };

/** Users in scope, in the order extensions are handed out (as `plan` sees them: cleaned). */
function listUsers(config: TenantConfig, users: readonly DirectoryUser[]): InitListing {
  const cleaned = cleanDirectory(users).users;
  const seen = new Set<string>(); // one entry per object id, however often a snapshot lists it
  const listed = inScope(cleaned, config)
    .sort(compareUsers)
    .filter((u) => !seen.has(u.id) && seen.add(u.id) !== undefined);
  return { users: listed, summary: scopeSummary(cleaned, config, () => false) };
}

/** Before the directory is read: the folder must be there to write into. */
function requireFolder(file: string, path: string): void {
  const folder = dirname(path);
  let isFolder = false;
  try {
    isFolder = statSync(folder).isDirectory();
  } catch {
    // reported below
  }
  if (!isFolder) throw new UserError(`cannot write ${file}: the folder ${folder} does not exist`, 'create the folder first, or fix the path');
}

function refuseExisting(file: string, path: string, known = false): void {
  if (!known) {
    try {
      lstatSync(path);
    } catch {
      return; // the create below is what decides; this only saves reading the directory first
    }
  }
  throw new UserError(`${file} exists already; it was not changed`, 'init writes a new tenant file only: give another path, or edit the file');
}

/** What the options say, checked first against the schema, so that a mistake names its option. */
function checkSettings(settings: InitSettings, skeleton: object): void {
  const problems = validateTenantSchema(skeleton);
  const first = problems.find((p) => p.severity === 'error');
  if (first) throw new UserError(`${optionAt(first.path)}: ${first.message}`, first.hint);
  const bad = domainProblem(settings.domain);
  if (bad) throw new UserError(`--domain: domain '${settings.domain}' ${bad}`, 'give the fully qualified SIP domain, e.g. acme.com');
}

/** The config of the file being written; its errors (policy: variables, hosts, folders) as one line each. */
function configOf(result: { config?: TenantConfig; problems: Problem[] }): TenantConfig {
  if (result.config) return result.config;
  const errors = result.problems.filter((p) => p.severity === 'error');
  throw new UserError(errors.map((p) => p.message).join('\n') || 'the tenant file would be invalid', errors[0]?.hint);
}
