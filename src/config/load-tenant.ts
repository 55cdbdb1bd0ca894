/**
 * Loads a tenant file through every check layer: YAML syntax → `${VAR}` expansion → JSON
 * Schema → normalisation → semantic rules. Each layer runs only when the ones before it
 * found no error, and all problems found so far are reported at once, sorted by position.
 * User mistakes never throw; they come back as problems.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UserError } from '../errors.js';
import type { TenantConfig } from '../model/tenant-config.js';
import { expandEnv, type Env, type Expansion } from './expand-env.js';
import { normaliseTenant, type RawTenant } from './normalise.js';
import { compareProblems, formatProblem, hasErrors, type PathProblem, type Problem, type YamlPath } from './problem.js';
import { validateTenantSchema } from './schema-validate.js';
import { checkSemantics } from './semantic-rules.js';
import { parseYaml, rememberLocator, toProblem } from './yaml-positions.js';
import { DEFAULT_POLICY, type IspPolicy } from '../policy/isp-policy.js';
import { loadIspPolicy } from '../policy/load-isp-config.js';
import { tenantExpandPolicy } from '../policy/tenant-env-policy.js';
import { redactExpansions, withLabels } from './expansion-labels.js';

export interface LoadResult {
  /** Present only when there is no error (warnings may still come along). */
  config?: TenantConfig;
  problems: Problem[];
}

/** An invalid tenant file, for callers that prefer an exception to a problem list. */
export class TenantFileError extends UserError {
  constructor(readonly problems: readonly Problem[]) {
    const errors = problems.filter((p) => p.severity === 'error');
    super(errors.map(formatProblem).join('\n') || 'invalid tenant file');
    this.name = 'TenantFileError';
  }
}

/**
 * `path` is reported in problems as given; the config holds its absolute form. The ISP's
 * policy (what the file may reference) comes from PBXSYNC_ISP_CONFIG unless given.
 */
export async function loadTenant(path: string, env: NodeJS.ProcessEnv = process.env, isp?: IspPolicy): Promise<LoadResult> {
  const policy = isp ?? (await loadIspPolicy(env));
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    return { problems: [readProblem(path, err)] };
  }
  return checkTenantText(text, path, resolve(path), env, policy);
}

/** Like `loadTenant`, but throws `TenantFileError` when the file has errors. */
export async function loadTenantOrThrow(path: string, env: NodeJS.ProcessEnv = process.env): Promise<{ config: TenantConfig; warnings: Problem[] }> {
  const { config, problems } = await loadTenant(path, env);
  if (!config) throw new TenantFileError(problems);
  return { config, warnings: problems };
}

/**
 * The check layers over a file's text (pure apart from remembering positions for
 * `overridesMatchingNobody`). `file` is the name to report, `absolutePath` anchors
 * relative paths inside the file.
 */
export function checkTenantText(text: string, file: string, absolutePath: string, env: Env, isp: IspPolicy = DEFAULT_POLICY): LoadResult {
  const parsed = parseYaml(text, file);
  const problems = [...parsed.problems];
  const add = (found: PathProblem[]) => problems.push(...found.map((p) => toProblem(p, parsed.locator)));
  let expansions: readonly Expansion[] = [];
  // No message may show what a reference expanded to: the reference stands in for it.
  const done = (config?: TenantConfig): LoadResult => {
    const shown = tidy(redactExpansions(problems, expansions));
    return config && !hasErrors(problems) ? { config, problems: shown } : { problems: shown };
  };
  if (hasErrors(problems)) return done();

  // A string whose ${VAR} failed keeps its text; its schema complaints would only be noise.
  const expanded = expandEnv(parsed.value, env, tenantExpandPolicy(isp));
  expansions = expanded.expansions;
  add(expanded.problems);
  add(validateTenantSchema(expanded.value).filter((p) => !isAmong(p.path, expanded.failedPaths)));
  if (hasErrors(problems)) return done();

  const normalised = normaliseTenant(expanded.value as RawTenant, absolutePath);
  add(normalised.problems);
  const config = withLabels(normalised.config, expanded.expansions);
  add(checkSemantics(config, isp));
  rememberLocator(config, parsed.locator);
  return done(config);
}

function readProblem(path: string, err: unknown): Problem {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const detail = err instanceof Error ? err.message : String(err);
  const hints: Record<string, string> = {
    ENOENT: `check the path; relative paths start from the current directory (${process.cwd()})`,
    EISDIR: 'give the path of a tenant file (.yaml), not of a folder',
    EACCES: 'check the permissions of the file',
  };
  const p: Problem = { severity: 'error', file: path, line: 1, col: 1, message: `cannot read tenant file: ${detail}` };
  const hint = code === undefined ? undefined : hints[code];
  if (hint !== undefined) p.hint = hint;
  return p;
}

function isAmong(path: YamlPath, paths: readonly YamlPath[]): boolean {
  return paths.some((p) => p.length === path.length && p.every((seg, i) => String(seg) === String(path[i])));
}

function tidy(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems
    .filter((p) => {
      const key = `${p.line}:${p.col}:${p.severity}:${p.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort(compareProblems);
}
