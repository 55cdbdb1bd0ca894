/**
 * The JSON Schemas in `schemas/` (tenant files, saved plans, state entries, ISP config) are the
 * one source of truth for those formats; this compiles them with ajv, once each, on first use.
 */
import { readFileSync } from 'node:fs';
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
    const schema = JSON.parse(readFileSync(new URL(file, SCHEMA_DIR), 'utf8')) as object;
    let ajv = instances.get(verbose);
    if (!ajv) {
      ajv = new Ajv2020.default({ allErrors: verbose, strict: true, verbose });
      addFormats.default(ajv);
      instances.set(verbose, ajv);
    }
    validate = ajv.compile(schema);
    compiled.set(key, validate);
  }
  return validate;
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
