/**
 * The JSON Schemas in `schemas/` (tenant files, saved plans, state entries, ISP config) are the
 * one source of truth for those formats; this compiles them with ajv, once each, on first use —
 * or takes the validator `npm run build` compiled from the same text (scripts/compile-schemas.mjs),
 * which spares every command about 0.2 s.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { ErrorObject, ValidateFunction } from 'ajv';

/** dist/config/ and src/config/ both sit two levels below the project root. */
export const SCHEMA_DIR = new URL('../../schemas/', import.meta.url);

const compiled = new Map<string, ValidateFunction>();
/** One ajv per option set, so that the draft 2020-12 meta-schema is compiled once per run, not once per schema. */
const instances = new Map<boolean, Ajv2020.default>();

export function schemaValidator(file: string, options: { verbose?: boolean } = {}): ValidateFunction {
  const verbose = options.verbose === true;
  const key = `${file}:${verbose}`;
  let validate = compiled.get(key);
  if (!validate) {
    const text = readFileSync(new URL(file, SCHEMA_DIR), 'utf8');
    validate = precompiled(file, verbose, text) ?? compile(text, verbose);
    compiled.set(key, validate);
  }
  return validate;
}

/** The build's validator for this schema text and option set, if there is one (dist/ only). */
function precompiled(file: string, verbose: boolean, text: string): ValidateFunction | null {
  const path = new URL(`compiled-schemas/${file.replace(/\.json$/, '')}.${verbose ? 'verbose' : 'plain'}.cjs`, import.meta.url);
  if (!existsSync(path)) return null;
  const mod = createRequire(import.meta.url)(path.pathname) as { default?: ValidateFunction; schemaSha256?: string };
  if (mod.schemaSha256 !== createHash('sha256').update(text).digest('hex') || typeof mod.default !== 'function') return null;
  return mod.default;
}

function compile(text: string, verbose: boolean): ValidateFunction {
  let ajv = instances.get(verbose);
  if (!ajv) {
    ajv = new Ajv2020.default({ allErrors: verbose, strict: true, verbose });
    addFormats.default(ajv);
    instances.set(verbose, ajv);
  }
  return ajv.compile(JSON.parse(text) as object);
}

/** The most specific error of a failed validation, as one line: `/accounts/x/extensions must be array`. */
export function describeSchemaError(errors: readonly ErrorObject[] | null | undefined): string {
  const list = errors ?? [];
  const deepest = [...list].sort((a, b) => b.instancePath.length - a.instancePath.length)[0];
  if (!deepest) return 'does not match its schema';
  const where = deepest.instancePath === '' ? 'the document' : deepest.instancePath;
  const extra = deepest.keyword === 'additionalProperties' ? ` ('${String((deepest.params as { additionalProperty?: string }).additionalProperty)}')` : '';
  return `${where} ${deepest.message ?? 'is invalid'}${extra}`;
}
