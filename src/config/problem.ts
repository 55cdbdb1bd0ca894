/**
 * A problem found in a tenant file, with the position of the offending node. Every check
 * layer reports problems instead of throwing, so that a user sees all of them at once.
 */
export type Severity = 'error' | 'warning';

export interface Problem {
  severity: Severity;
  /** The tenant file as the caller named it (ideally the relative path the user typed). */
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  col: number;
  message: string;
  hint?: string;
}

/** A key or index path into the tenant file's value, e.g. `['users', 'bob@acme.com', 'extension']`. */
export type YamlPath = readonly (string | number)[];

/**
 * A problem located by path rather than by line:col: what the pure layers (env expansion,
 * schema, normalisation, semantic rules) produce; the loader turns it into a `Problem`.
 * `at: 'key'` points at the key of the last path segment instead of at its value.
 */
export interface PathProblem {
  severity: Severity;
  path: YamlPath;
  at?: 'key' | 'value';
  message: string;
  hint?: string;
}

export function formatProblem(p: Problem): string {
  const head = `${p.file}:${p.line}:${p.col}: ${p.severity}: ${p.message}`;
  return p.hint === undefined ? head : `${head}\n  hint: ${p.hint}`;
}

/** Orders problems by position, errors before warnings at the same position. */
export function compareProblems(a: Problem, b: Problem): number {
  return a.line - b.line || a.col - b.col || (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1) || a.message.localeCompare(b.message);
}

export function hasErrors(problems: readonly { severity: Severity }[]): boolean {
  return problems.some((p) => p.severity === 'error');
}

/**
 * A path as a user reads it: `extensions.reserved[2]`, `users.bob@acme.com.extension`.
 * The root is called "the tenant file".
 */
export function describePath(path: YamlPath): string {
  if (path.length === 0) return 'the tenant file';
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}
