/** The build's precompiled validators (scripts/compile-schemas.mjs) are the ones the CLI uses. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';

const require = createRequire(import.meta.url);
const TARGETS = [
  ['tenant.schema.json', 'verbose'],
  ['isp.schema.json', 'verbose'],
  ['plan.schema.json', 'plain'],
  ['state.schema.json', 'plain'],
] as const;

describe('precompiled schema validators', () => {
  it('exist for every schema, made from its current text, and are what dist/ hands out', async () => {
    const dist = (await import(join(ROOT, 'dist', 'config', 'json-schemas.js'))) as typeof import('../../src/config/json-schemas.js');
    for (const [file, mode] of TARGETS) {
      const mod = require(join(ROOT, 'dist', 'config', 'compiled-schemas', `${file.replace(/\.json$/, '')}.${mode}.cjs`)) as {
        default: unknown;
        schemaSha256: string;
      };
      expect(mod.schemaSha256).toBe(
        createHash('sha256')
          .update(readFileSync(join(ROOT, 'schemas', file), 'utf8'))
          .digest('hex'),
      );
      expect(dist.schemaValidator(file, { verbose: mode === 'verbose' })).toBe(mod.default);
    }
  });

  it('find the same problems as a validator compiled at run time', async () => {
    const dist = (await import(join(ROOT, 'dist', 'config', 'json-schemas.js'))) as typeof import('../../src/config/json-schemas.js');
    const src = await import('../../src/config/json-schemas.js');
    const bad = { tenant: 'Acme', domain: 'acme', extra: 1, source: { type: 'snapshot' }, pbx: {}, extensions: { start: 'x' } };
    const a = dist.schemaValidator('tenant.schema.json', { verbose: true });
    const b = src.schemaValidator('tenant.schema.json', { verbose: true });
    expect(a).not.toBe(b);
    expect(a(bad)).toBe(false);
    expect(b(bad)).toBe(false);
    const strip = (errors: typeof a.errors) => (errors ?? []).map(({ instancePath, keyword, params, message }) => ({ instancePath, keyword, params, message }));
    expect(strip(a.errors)).toEqual(strip(b.errors));
  });
});
