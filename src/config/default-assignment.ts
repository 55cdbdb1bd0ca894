/**
 * One `KEY=VALUE` of `pbxsync init --set`: a value for `defaults:`, typed by what the tenant
 * schema says of that key (`area_code=0212` stays the text "0212", `dial_timeout=25` is a
 * number, `voicemail_to_email=true` a boolean, `business_hours=FROM/TO` the date range), so
 * that the schema stays the one place that knows the fields. The value is then checked with
 * the rest of the file.
 */
import { readFileSync } from 'node:fs';
import { UserError } from '../errors.js';
import { SCHEMA_DIR } from './json-schemas.js';
import { closest } from './schema-validate.js';

type DefaultValue = string | number | boolean | { from: string; to: string };

interface PropertySchema {
  readonly type?: string;
}

let properties: Readonly<Record<string, PropertySchema>> | undefined;

/** The schema's `defaults.properties`, read once. */
function defaultProperties(): Readonly<Record<string, PropertySchema>> {
  if (!properties) {
    const schema = JSON.parse(readFileSync(new URL('tenant.schema.json', SCHEMA_DIR), 'utf8')) as {
      properties: { defaults: { properties: Record<string, PropertySchema> } };
    };
    properties = schema.properties.defaults.properties;
  }
  return properties;
}

/** The keys `defaults:` takes, in the schema's order. */
export function defaultKeys(): string[] {
  return Object.keys(defaultProperties());
}

export function parseDefaultAssignment(text: string): { key: string; value: DefaultValue } {
  const eq = text.indexOf('=');
  const key = eq < 0 ? text : text.slice(0, eq);
  const spec = Object.hasOwn(defaultProperties(), key) ? defaultProperties()[key] : undefined;
  if (eq < 0 || spec === undefined) {
    const near = eq < 0 ? undefined : closest(key, defaultKeys());
    throw new UserError(
      eq < 0 ? `--set ${JSON.stringify(text)} is not KEY=VALUE` : `--set: ${JSON.stringify(key)} is not a key of defaults`,
      near !== undefined ? `did you mean ${near}?` : `keys: ${defaultKeys().join(', ')}`,
    );
  }
  return { key, value: typed(key, spec, text.slice(eq + 1)) };
}

function typed(key: string, spec: PropertySchema, raw: string): DefaultValue {
  switch (spec.type) {
    case 'boolean':
      if (raw === 'true' || raw === 'false') return raw === 'true';
      throw new UserError(`--set ${key}= takes true or false`, `e.g. --set ${key}=true`);
    case 'integer':
      if (/^[0-9]{1,9}$/.test(raw)) return Number(raw);
      throw new UserError(`--set ${key}= takes a whole number`, `e.g. --set ${key}=25`);
    case 'object': {
      const [from, to, ...rest] = raw.split('/');
      if (from !== undefined && to !== undefined && rest.length === 0) return { from, to };
      throw new UserError(`--set ${key}= takes FROM/TO`, `e.g. --set ${key}=2025-01-01/2025-12-31`);
    }
    default:
      return raw;
  }
}
