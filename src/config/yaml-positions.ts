/**
 * Parses the tenant file with the `yaml` package and maps a key path back to the line:col
 * of its node, so that every later layer can report problems by path.
 */
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, visit, type Document, type Node, type Pair, type YAMLError } from 'yaml';
import type { PathProblem, Problem, YamlPath } from './problem.js';

interface Position {
  line: number;
  col: number;
}

/** Turns a path into a position in one tenant file. */
export interface Locator {
  /** The file name to report, as the caller gave it. */
  readonly file: string;
  /** `at: 'key'` gives the key of the last segment; a missing node gives its nearest ancestor. */
  locate(path: YamlPath, at?: 'key' | 'value'): Position;
}

export interface ParsedYaml {
  /** The document as plain JS, or undefined when it has syntax errors. */
  value: unknown;
  /** Syntax errors (and yaml's warnings), with positions. */
  problems: Problem[];
  locator: Locator;
}

export function parseYaml(text: string, file: string): ParsedYaml {
  const lineCounter = new LineCounter();
  // Duplicate keys are found by `duplicateKeys` below: yaml's own check (uniqueKeys) compares
  // each key with every earlier one, which took a minute for a file with 20,000 users.
  const doc = parseDocument(text, {
    keepSourceTokens: true,
    lineCounter,
    uniqueKeys: false,
    prettyErrors: false,
  });
  const locator: Locator = {
    file,
    locate: (path, at = 'value') => lineCounter.linePos(offsetOf(doc, path, at)),
  };
  const problems = [
    ...doc.errors.map((e) => syntaxProblem(e, 'error', doc, file, lineCounter)),
    ...doc.warnings.map((e) => syntaxProblem(e, 'warning', doc, file, lineCounter)),
    ...duplicateKeys(doc, file, lineCounter),
  ];
  if (problems.some((p) => p.severity === 'error')) return { value: undefined, problems, locator };
  problems.push(...prototypeKeys(doc, file, lineCounter));
  if (problems.some((p) => p.severity === 'error')) return { value: undefined, problems, locator };
  try {
    return { value: doc.toJS(), problems, locator };
  } catch (err) {
    // e.g. an alias expanding too often ("billion laughs"): a user error, not a crash
    const message = `invalid YAML: ${err instanceof Error ? err.message : String(err)}`;
    problems.push({ severity: 'error', file, line: 1, col: 1, message });
    return { value: undefined, problems, locator };
  }
}

export function toProblem(p: PathProblem, locator: Locator): Problem {
  const { line, col } = locator.locate(p.path, p.at ?? 'value');
  const out: Problem = { severity: p.severity, file: locator.file, line, col, message: p.message };
  if (p.hint !== undefined) out.hint = p.hint;
  return out;
}

/**
 * Keys that JavaScript treats specially (`__proto__` sets an object's prototype when copied,
 * `constructor` and `prototype` shadow what code relies on): a file that names them gets an
 * error at the key, and its content is never turned into objects. So the loaded config is
 * plain data only.
 */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function prototypeKeys(doc: Document, file: string, lc: LineCounter): Problem[] {
  const problems: Problem[] = [];
  visit(doc, {
    Pair(_, pair) {
      const key = keyText(pair);
      if (key === undefined || !FORBIDDEN_KEYS.has(key)) return undefined;
      const { line, col } = lc.linePos((pair.key as Node | null)?.range?.[0] ?? 0);
      problems.push({
        severity: 'error',
        file,
        line,
        col,
        message: `the key '${key}' is not allowed`,
        hint: 'it has a special meaning in JavaScript; no pbxsync setting is called that',
      });
      return undefined;
    },
  });
  return problems;
}

/** Keys that appear twice in one mapping (scalars of the same value, as yaml compares them), in one pass per mapping. */
function duplicateKeys(doc: Document, file: string, lc: LineCounter): Problem[] {
  const problems: Problem[] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        if (!seen.has(pair.key.value)) {
          seen.add(pair.key.value);
          continue;
        }
        const { line, col } = lc.linePos(pair.key.range?.[0] ?? 0);
        problems.push({
          severity: 'error',
          file,
          line,
          col,
          message: `duplicate key '${String(pair.key.value)}'`,
          hint: 'a key may appear only once in a mapping',
        });
      }
      return undefined;
    },
  });
  return problems;
}

function syntaxProblem(e: YAMLError, severity: Problem['severity'], doc: Document, file: string, lc: LineCounter): Problem {
  const { line, col } = lc.linePos(e.pos[0]);
  const message = severity === 'error' ? `invalid YAML: ${e.message}` : e.message;
  return { severity, file, line, col, message };
}

function offsetOf(doc: Document, path: YamlPath, at: 'key' | 'value'): number {
  let node = deref(doc, doc.contents);
  let offset = node?.range?.[0] ?? 0;
  for (let i = 0; i < path.length && node; i++) {
    const seg = path[i] as string | number;
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p) === String(seg));
      if (!pair) break;
      const keyOffset = (pair.key as Node | null)?.range?.[0] ?? offset;
      const value = deref(doc, pair.value as Node | null);
      if ((i === path.length - 1 && at === 'key') || isEmpty(value)) return keyOffset;
      node = value;
    } else if (isSeq(node)) {
      const item = node.items[typeof seg === 'number' ? seg : Number(seg)];
      node = deref(doc, (item ?? null) as Node | null);
    } else {
      break;
    }
    offset = node?.range?.[0] ?? offset;
  }
  return offset;
}

function deref(doc: Document, node: Node | null | undefined): Node | null {
  if (node && isAlias(node)) return node.resolve(doc) ?? null;
  return node ?? null;
}

function keyText(pair: Pair): string | undefined {
  const key = pair.key;
  if (isScalar(key)) return String(key.value);
  return typeof key === 'string' || typeof key === 'number' ? String(key) : undefined;
}

/** `key:` with nothing after it: point at the key, the value has no position of its own. */
function isEmpty(node: Node | null): boolean {
  if (node === null) return true;
  return isScalar(node) && node.value === null && node.range?.[0] === node.range?.[1];
}

const locators = new WeakMap<object, Locator>();

/** Lets later checks (e.g. `overridesMatchingNobody`) find positions in the loaded file. */
export function rememberLocator(config: object, locator: Locator): void {
  locators.set(config, locator);
}

/** The locator of the file `config` was loaded from; without one, everything sits at 1:1. */
export function locatorFor(config: object, fallbackFile: string): Locator {
  return locators.get(config) ?? { file: fallbackFile, locate: () => ({ line: 1, col: 1 }) };
}
