/**
 * Validates the (env-expanded) tenant file against `schemas/tenant.schema.json` with ajv
 * and turns ajv's errors into human messages located by path.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { schemaValidator } from './json-schemas.js';
import { describePath, type PathProblem, type YamlPath } from './problem.js';

/** All schema problems of `value`, deduplicated; empty when it is valid. */
export function validateTenantSchema(value: unknown): PathProblem[] {
  return validateAgainstSchema('tenant.schema.json', value);
}

/** The same human problems, for any schema of `schemas/` (the ISP configuration, …). */
export function validateAgainstSchema(file: string, value: unknown): PathProblem[] {
  return schemaProblems(schemaValidator(file, { verbose: true }), value);
}

function schemaProblems(validate: ValidateFunction, value: unknown): PathProblem[] {
  if (validate(value)) return [];
  const { errors, problems } = pruneOneOfErrors(validate.errors ?? [], value);
  for (const e of errors) {
    const p = describeError(e, value);
    if (p) problems.push(p);
  }
  return dedupe(problems);
}

function describeError(e: ErrorObject, data: unknown): PathProblem | undefined {
  if (e.propertyName !== undefined) return undefined; // reported by its `propertyNames` error
  const path = pointerToPath(e.instancePath, data);
  const name = describePath(path);
  const params = e.params as Record<string, unknown>;
  const got = describeValue(e.data);
  const error = (message: string, at: PathProblem['at'] = 'value'): PathProblem => ({ severity: 'error', path, at, message });
  switch (e.keyword) {
    case 'additionalProperties':
      return unknownProperty(path, String(params.additionalProperty), e.parentSchema);
    case 'required':
      return missingProperty(path, String(params.missingProperty), e.parentSchema);
    case 'propertyNames':
      return { ...error(`${name} has an empty key`, 'key'), path: [...path, String(params.propertyName)] };
    case 'oneOf':
      return error(`${name} ${oneOfMeaning(path, e.schema)} (got ${got})`);
    case 'type':
      return error(`${name} must be ${typeName(String(params.type))} (got ${got})`);
    case 'enum':
      return error(`${name} must be one of ${(params.allowedValues as unknown[]).join(', ')} (got ${got})`);
    case 'const':
      return error(`${name} must be ${String(params.allowedValue)} (got ${got})`);
    case 'pattern':
      return error(`${name} ${patternMeaning(path, String(params.pattern))} (got ${got})`);
    case 'format':
      return error(`${name} ${formatMeaning(String(params.format))} (got ${got})`);
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return error(`${name} must be ${comparison(String(params.comparison))} ${String(params.limit)} (got ${got})`);
    case 'minLength':
      return error(params.limit === 1 ? `${name} must not be empty` : `${name} must be at least ${String(params.limit)} characters`);
    case 'maxLength':
      return error(`${name} must be at most ${String(params.limit)} characters (got ${String(e.data).length})`);
    case 'uniqueItems': {
      const [first, second] = [Number(params.i), Number(params.j)].sort((x, y) => x - y);
      return { ...error(`${name} lists the same value twice (items ${first} and ${second})`), path: [...path, second ?? 0] };
    }
    default:
      return error(`${name} ${e.message ?? 'is invalid'}`);
  }
}

const SOURCE_BRANCHES = new Map([
  ['snapshot', '#/$defs/snapshotSource/'],
  ['azure', '#/$defs/azureSource/'],
]);
const SOURCE_ONE_OF = '#/properties/source/oneOf';

/**
 * ajv reports the errors of every `oneOf` branch. Keep only those of the branch the user
 * meant: for `source`, the one named by `source.type`; elsewhere, the only branch whose
 * type matches the value. Otherwise keep the bare `oneOf` error.
 */
function pruneOneOfErrors(all: ErrorObject[], data: unknown): { errors: ErrorObject[]; problems: PathProblem[] } {
  const source = isRecord(data) ? data.source : undefined;
  const type = isRecord(source) ? source.type : undefined;
  const branch = typeof type === 'string' ? SOURCE_BRANCHES.get(type) : undefined;
  const inSource = (e: ErrorObject) => [...SOURCE_BRANCHES.values()].some((b) => e.schemaPath.startsWith(b));
  const problems: PathProblem[] = [];
  if (all.some((e) => e.schemaPath === SOURCE_ONE_OF) && branch === undefined && type !== undefined) {
    const guess = typeof type === 'string' ? closest(type, [...SOURCE_BRANCHES.keys()]) : undefined;
    const message = `source.type must be one of ${[...SOURCE_BRANCHES.keys()].join(', ')} (got ${describeValue(type)})`;
    problems.push({ severity: 'error', path: ['source', 'type'], message, ...(guess ? { hint: `did you mean '${guess}'?` } : {}) });
  }
  let errors = all.filter((e) => e.schemaPath !== SOURCE_ONE_OF && (!inSource(e) || (branch !== undefined && e.schemaPath.startsWith(branch))));
  for (const one of errors.filter((e) => e.keyword === 'oneOf')) errors = pruneBranches(errors, one);
  return { errors, problems };
}

function pruneBranches(errors: ErrorObject[], one: ErrorObject): ErrorObject[] {
  const prefix = `${one.schemaPath}/`;
  const at = one.instancePath;
  const branchOf = (e: ErrorObject): number | undefined =>
    e.schemaPath.startsWith(prefix) && (e.instancePath === at || e.instancePath.startsWith(`${at}/`))
      ? Number(e.schemaPath.slice(prefix.length).split('/')[0])
      : undefined;
  const count = Array.isArray(one.schema) ? one.schema.length : 0;
  const typeMismatch = new Set(errors.filter((e) => e.keyword === 'type' && e.instancePath === at).map(branchOf));
  const fitting = Array.from({ length: count }, (_, i) => i).filter((i) => !typeMismatch.has(i));
  if (fitting.length !== 1) return errors.filter((e) => branchOf(e) === undefined);
  return errors.filter((e) => e !== one && (branchOf(e) === undefined || branchOf(e) === fitting[0]));
}

function oneOfMeaning(path: YamlPath, branches: unknown): string {
  const last = path[path.length - 1];
  if (typeof last === 'number' && path[path.length - 2] === 'reserved') return patternMeaning(path, '');
  const types = Array.isArray(branches) ? branches.map((b) => (isRecord(b) && typeof b.type === 'string' ? b.type : '?')) : [];
  return `must be ${typeName(types.join(','))}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function unknownProperty(path: YamlPath, prop: string, parentSchema: unknown): PathProblem {
  const allowed = Object.keys(schemaProperties(parentSchema));
  const where = path.length === 0 ? '' : ` in ${describePath(path)}`;
  const guess = closest(prop, allowed);
  const hint = guess !== undefined ? `did you mean '${guess}'?` : `allowed here: ${allowed.join(', ')}`;
  return { severity: 'error', path: [...path, prop], at: 'key', message: `unknown property '${prop}'${where}`, hint };
}

function missingProperty(path: YamlPath, prop: string, parentSchema: unknown): PathProblem {
  const where = path.length === 0 ? '' : ` in ${describePath(path)}`;
  const description = (schemaProperties(parentSchema)[prop] as { description?: unknown } | undefined)?.description;
  const p: PathProblem = { severity: 'error', path, message: `missing required property '${prop}'${where}` };
  if (typeof description === 'string') p.hint = `${prop}: ${description}`;
  return p;
}

function schemaProperties(schema: unknown): Record<string, unknown> {
  const props = (schema as { properties?: unknown } | undefined)?.properties;
  return typeof props === 'object' && props !== null ? (props as Record<string, unknown>) : {};
}

const PATTERN_MEANINGS: Record<string, string> = {
  tenant: 'must be 1-63 lower-case letters, digits, "-" or "_", starting with a letter or digit (e.g. acme)',
  username: 'may only contain a-z, 0-9, ".", "_" and "-" (1-64 characters)',
  area_code: 'must be 1-6 digits',
  caller_id: 'must be a phone number in E.164 form, e.g. +12125550100',
  language: 'must be a BCP 47 language tag, e.g. en-US',
  path: 'must end in .xlsx',
  key_id: 'must be a key id like k1-0123456789abcdef (pbxsync key id prints it)',
};

function patternMeaning(path: YamlPath, pattern: string): string {
  const last = path[path.length - 1];
  if (typeof last === 'number' && path[path.length - 2] === 'reserved') {
    return 'must be a number or a range like 1900-1999';
  }
  if (typeof last === 'number' && path[path.length - 2] === 'encrypt_to') {
    return 'must be an age public key like age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p (age-keygen prints it)';
  }
  return (typeof last === 'string' && PATTERN_MEANINGS[last]) || `must match the pattern ${pattern}`;
}

function formatMeaning(format: string): string {
  switch (format) {
    case 'hostname':
      return 'must be a host name like acme.com';
    case 'date':
      return 'must be a date like 2025-01-31';
    case 'email':
      return 'must be an email address';
    case 'uri':
      return 'must be an absolute URL like https://login.microsoftonline.com';
    default:
      return `must be a valid ${format}`;
  }
}

function typeName(type: string): string {
  const names: Record<string, string> = {
    object: 'a mapping',
    array: 'a list',
    integer: 'a whole number',
    number: 'a number',
    string: 'a string',
    boolean: 'true or false',
  };
  return type
    .split(',')
    .map((t) => names[t] ?? t)
    .join(' or ');
}

function comparison(op: string): string {
  const words: Record<string, string> = { '>=': 'at least', '<=': 'at most', '>': 'more than', '<': 'less than' };
  return words[op] ?? op;
}

function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return typeof v;
}

/** JSON pointer → path; segments that index a list become numbers. */
function pointerToPath(pointer: string, data: unknown): YamlPath {
  if (pointer === '') return [];
  const path: (string | number)[] = [];
  let cur = data;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const key = Array.isArray(cur) ? Number(seg) : seg;
    path.push(key);
    cur = typeof cur === 'object' && cur !== null ? (cur as Record<string, unknown>)[key] : undefined;
  }
  return path;
}

/** The allowed name within edit distance 2 of `word`, if any (the nearest wins). */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of candidates) {
    const d = levenshtein(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}

function dedupe(problems: PathProblem[]): PathProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = JSON.stringify([p.path, p.at ?? 'value', p.message]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
