/**
 * Expands `${VAR}` and `${VAR:-default}` in string scalars of a parsed file, where a policy
 * allows it, so that files hold no secrets. Runs before schema validation; pure (the
 * environment is passed in). `$${` stands for a literal `${`.
 *
 * A tenant file comes from a pull request, so by default a reference is refused everywhere
 * except in credentials (see `tenant-env-policy.ts`); the ISP configuration, which is
 * trusted, expands everywhere. Every expansion is recorded, so that no message or plan ever
 * shows what a reference expanded to.
 */
import type { PathProblem, YamlPath } from './problem.js';

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * How a string at some path may use references:
 * - `any`: anywhere in it, with or without a default;
 * - `secret`: the whole value must be one `${NAME}`, without a default (a literal is refused);
 * - `credential`: a literal, or the whole value one `${NAME}` without a default;
 * - `url`: only as the whole password of a URL (`scheme://user:${NAME}@host/…`), no default; a
 *   password written in the file is refused;
 * - `url-any`: a URL that may take any part from references, but no password written in the file;
 * - `none`: not at all.
 */
export type FieldRule = 'any' | 'secret' | 'credential' | 'url' | 'url-any' | 'none';

export interface ExpandPolicy {
  fieldRule(path: YamlPath): FieldRule;
  /** Why `name` may not be used, or null when it may. */
  variableProblem(name: string): { message: string; hint: string } | null;
  /** Why a reference at `path` is refused (rule `none`). */
  fieldHint(path: YamlPath): string;
}

/** Expands everywhere, any variable (for trusted files such as the ISP configuration). */
const EXPAND_EVERYWHERE: ExpandPolicy = { fieldRule: () => 'any', variableProblem: () => null, fieldHint: () => '' };

/** One string that took values from the environment: its text as written, and its value. */
export interface Expansion {
  readonly path: YamlPath;
  readonly text: string;
  readonly value: string;
  /** Each variable used, with its value (what must never be shown). */
  readonly variables: readonly { readonly name: string; readonly value: string }[];
}

export interface ExpandResult {
  value: unknown;
  problems: PathProblem[];
  /** Paths of strings that could not be expanded; they keep their original text. */
  failedPaths: YamlPath[];
  /** Paths of strings that took a variable's value (always a string, even `"1000"`). */
  expandedPaths: YamlPath[];
  expansions: Expansion[];
}

// `$${` escape | `${NAME}` or `${NAME:-default}` | any other `${` (malformed)
const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\{/g;
const WHOLE_REFERENCE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;
/** scheme://user:PASSWORD@rest, the password being what lies between the first ':' and the last '@' of the authority. */
const URL_WITH_PASSWORD = /^([a-z][a-z0-9+.-]*:\/\/[^:@/]*:)([^/]*)@([^@]*)$/i;

export function expandEnv(value: unknown, env: Env, policy: ExpandPolicy = EXPAND_EVERYWHERE): ExpandResult {
  const result: ExpandResult = { value: undefined, problems: [], failedPaths: [], expandedPaths: [], expansions: [] };
  const visit = (v: unknown, path: YamlPath): unknown => {
    if (typeof v === 'string') return expandAt(v, path, env, policy, result);
    if (Array.isArray(v)) return v.map((item, i) => visit(item, [...path, i]));
    if (isPlainObject(v)) {
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v)) out[k] = visit(item, [...path, k]);
      return out;
    }
    return v;
  };
  result.value = visit(value, []);
  return result;
}

function expandAt(text: string, path: YamlPath, env: Env, policy: ExpandPolicy, out: ExpandResult): string {
  const problems = ruleProblems(text, path, policy);
  const rule = policy.fieldRule(path);
  const secret = rule !== 'any' && rule !== 'url-any';
  const expanded = problems.length === 0 ? expandString(text, env, policy, secret) : { text, problems: [], substituted: false, variables: [] };
  problems.push(...expanded.problems);
  if (problems.length > 0) {
    out.failedPaths.push(path);
    out.problems.push(...problems.map((p) => ({ ...p, path })));
    return text;
  }
  if (expanded.substituted) {
    out.expandedPaths.push(path);
    out.expansions.push({ path, text, value: expanded.text, variables: expanded.variables });
  }
  return expanded.text;
}

/** What the field's rule refuses in `text` (problems carry an empty path). */
function ruleProblems(text: string, path: YamlPath, policy: ExpandPolicy): PathProblem[] {
  const rule = policy.fieldRule(path);
  const hasReference = referencesIn(text).length > 0;
  const key = path.join('.');
  switch (rule) {
    case 'any':
      return [];
    case 'none':
      return hasReference ? [problem(`${key} may not take its value from the environment`, policy.fieldHint(path))] : [];
    case 'secret':
      if (!hasReference)
        return [
          problem(
            `${key} is written in the file; it must come from the environment`,
            `write ${key.split('.').pop()}: \${ACME_GRAPH_SECRET} and set that variable (in CI: from the secret store)`,
          ),
        ];
      return wholeReference(text)
        ? []
        : [
            problem(
              `${key} must be exactly one \${NAME}, without a default: a secret must come from the environment`,
              `write ${key.split('.').pop()}: \${NAME}`,
            ),
          ];
    case 'credential':
      return !hasReference || wholeReference(text)
        ? []
        : [problem(`${key} must be a path, or exactly one \${NAME} without a default`, `write ${key.split('.').pop()}: \${NAME}`)];
    case 'url':
      return urlProblems(text, key);
    case 'url-any':
      return literalPassword(text)
        ? [
            problem(
              `${key} holds a password written in the file; it must come from the environment`,
              'write the password as ${NAME}, or take the whole URL from the environment',
            ),
          ]
        : [];
  }
}

function literalPassword(text: string): boolean {
  const password = URL_WITH_PASSWORD.exec(text)?.[2];
  return password !== undefined && password !== '' && referencesIn(password).length === 0;
}

function urlProblems(text: string, key: string): PathProblem[] {
  const match = URL_WITH_PASSWORD.exec(text);
  const password = match?.[2];
  const elsewhere = match ? `${match[1]}@${match[3]}` : text;
  const hint = `keep only the password in the environment: ${key.startsWith('state') ? 'postgres://user:${STATE_DB_PASSWORD}@host/db' : 'postgres://user:${PBX_DB_PASSWORD}@host/db'}`;
  if (referencesIn(elsewhere).length > 0)
    return [problem(`${key} may take only its password from the environment`, `${hint}; or ask the ISP to allow ${key} from the environment (allow.env_in)`)];
  if (password === undefined || password === '') return [];
  if (!wholeReference(password)) return [problem(`${key} holds a password written in the file; it must come from the environment`, hint)];
  return [];
}

function wholeReference(text: string): boolean {
  return WHOLE_REFERENCE.test(text);
}

function referencesIn(text: string): string[] {
  return [...text.matchAll(REFERENCE)].filter((m) => m[0] !== '$${').map((m) => m[0]);
}

/** Expands one string; problems carry an empty path for the caller to fill in. */
function expandString(
  text: string,
  env: Env,
  policy: ExpandPolicy = EXPAND_EVERYWHERE,
  secret = false,
): { text: string; problems: PathProblem[]; substituted: boolean; variables: { name: string; value: string }[] } {
  const problems: PathProblem[] = [];
  const variables: { name: string; value: string }[] = [];
  let substituted = false;
  const out = text.replace(REFERENCE, (match, name: string | undefined, fallback: string | undefined) => {
    if (match === '$${') return '${';
    if (name === undefined) {
      problems.push(malformed());
      return match;
    }
    const refused = policy.variableProblem(name);
    if (refused) {
      problems.push(problem(refused.message, refused.hint));
      return match;
    }
    const set = env[name];
    substituted = true;
    if (set !== undefined && set !== '') variables.push({ name, value: set });
    if (fallback !== undefined) return set === undefined || set === '' ? fallback : set;
    if (set === undefined) {
      problems.push(unset(name, secret));
      return match;
    }
    return set;
  });
  return { text: out, problems, substituted, variables };
}

function problem(message: string, hint?: string): PathProblem {
  return hint ? { severity: 'error', path: [], message, hint } : { severity: 'error', path: [], message };
}

function unset(name: string, secret: boolean): PathProblem {
  return problem(
    `environment variable ${name} is not set`,
    secret ? `set ${name} (in CI: from the secret store)` : `set ${name}, or give a default with \${${name}:-value}`,
  );
}

function malformed(): PathProblem {
  return problem('malformed ${...} reference', 'write ${NAME} or ${NAME:-default} (NAME: letters, digits, _), or $${ for a literal ${');
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
