/**
 * Expands `${VAR}` and `${VAR:-default}` in every string scalar of the parsed tenant file,
 * so that files hold no secrets. Runs before schema validation; pure (the environment is
 * passed in). `$${` stands for a literal `${`.
 */
import type { PathProblem, YamlPath } from './problem.js';

export type Env = Readonly<Record<string, string | undefined>>;

export interface ExpandResult {
  value: unknown;
  problems: PathProblem[];
  /** Paths of strings that could not be expanded; they keep their original text. */
  failedPaths: YamlPath[];
  /** Paths of strings that took a variable's value (always a string, even `"1000"`). */
  expandedPaths: YamlPath[];
}

// `$${` escape | `${NAME}` or `${NAME:-default}` | any other `${` (malformed)
const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\{/g;

export function expandEnv(value: unknown, env: Env): ExpandResult {
  const problems: PathProblem[] = [];
  const failedPaths: YamlPath[] = [];
  const expandedPaths: YamlPath[] = [];
  const visit = (v: unknown, path: YamlPath): unknown => {
    if (typeof v === 'string') {
      const r = expandString(v, env);
      if (r.problems.length === 0) {
        if (r.substituted) expandedPaths.push(path);
        return r.text;
      }
      failedPaths.push(path);
      problems.push(...r.problems.map((p) => ({ ...p, path })));
      return v;
    }
    if (Array.isArray(v)) return v.map((item, i) => visit(item, [...path, i]));
    if (isPlainObject(v)) {
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v)) out[k] = visit(item, [...path, k]);
      return out;
    }
    return v;
  };
  return { value: visit(value, []), problems, failedPaths, expandedPaths };
}

/** Expands one string; problems carry an empty path for the caller to fill in. */
export function expandString(
  text: string,
  env: Env,
): { text: string; problems: PathProblem[]; substituted: boolean } {
  const problems: PathProblem[] = [];
  let substituted = false;
  const out = text.replace(REFERENCE, (match, name: string | undefined, fallback: string | undefined) => {
    if (match === '$${') return '${';
    if (name === undefined) {
      problems.push(malformed());
      return match;
    }
    const set = env[name];
    substituted = true;
    if (fallback !== undefined) return set === undefined || set === '' ? fallback : set;
    if (set === undefined) {
      problems.push(unset(name));
      return match;
    }
    return set;
  });
  return { text: out, problems, substituted };
}

function unset(name: string): PathProblem {
  return {
    severity: 'error',
    path: [],
    message: `environment variable ${name} is not set`,
    hint: `set ${name}, or give a default with \${${name}:-value}`,
  };
}

function malformed(): PathProblem {
  return {
    severity: 'error',
    path: [],
    message: 'malformed ${...} reference',
    hint: 'write ${NAME} or ${NAME:-default} (NAME: letters, digits, _), or $${ for a literal ${',
  };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
