// Compiles the JSON Schemas of schemas/ into standalone ajv validators (CommonJS, one file per
// schema and option set) under dist/config/compiled-schemas/, so that a run of the CLI does not
// compile them again: that took about 0.2 s of every command. src/config/json-schemas.ts loads a
// compiled validator only when the SHA-256 of its schema's text matches, else compiles at run time.
// Run by `npm run build`, after tsc.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import standaloneCode from 'ajv/dist/standalone/index.js';
import addFormats from 'ajv-formats';
import { _ } from 'ajv';

const root = new URL('../', import.meta.url);
const out = new URL('dist/config/compiled-schemas/', root);
mkdirSync(out, { recursive: true });

// The schemas and the options json-schemas.ts asks for them with.
const targets = [
  ['tenant.schema.json', true],
  ['isp.schema.json', true],
  ['plan.schema.json', false],
  ['state.schema.json', false],
];

for (const [file, verbose] of targets) {
  const text = readFileSync(new URL(`schemas/${file}`, root), 'utf8');
  const ajv = new Ajv2020.default({
    allErrors: verbose,
    strict: true,
    verbose,
    code: { source: true, formats: _`require("ajv-formats/dist/formats").fullFormats` },
  });
  addFormats.default(ajv);
  const validate = ajv.compile(JSON.parse(text));
  const hash = createHash('sha256').update(text).digest('hex');
  const code = `${standaloneCode.default(ajv, validate)}\nmodule.exports.schemaSha256 = ${JSON.stringify(hash)};\n`;
  writeFileSync(new URL(`${file.replace(/\.json$/, '')}.${verbose ? 'verbose' : 'plain'}.cjs`, out), code);
}
