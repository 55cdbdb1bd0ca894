import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ispPolicyFromText } from '../../src/policy/load-isp-config.js';
import { ROOT } from '../support/cli.js';

describe('docs match the code', () => {
  it("the README's tenant file reference is generated from the current schema", () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'schema-reference.mjs'), '--check'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('every schema property has a description', () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'schemas', 'tenant.schema.json'), 'utf8'));
    const missing: string[] = [];
    const walk = (node: Record<string, unknown>, path: string) => {
      for (const [key, child] of Object.entries((node.properties ?? {}) as Record<string, Record<string, unknown>>)) {
        if (!child.description) missing.push(`${path}.${key}`);
        walk(child, `${path}.${key}`);
      }
    };
    walk(schema, '');
    for (const [name, def] of Object.entries(schema.$defs as Record<string, Record<string, unknown>>)) walk(def, `$defs.${name}`);
    expect(missing).toEqual([]);
  });

  it('the example ISP configuration is valid', () => {
    const file = join(ROOT, 'examples', 'isp', 'isp.yaml');
    const policy = ispPolicyFromText(readFileSync(file, 'utf8'), file, file, {});
    expect(policy.env.prefixes).toContain('ACME_');
    expect(policy.hosts.database).toEqual([{ host: 'db.voice.example.net', port: 5432 }]);
  });

  it('the quickstart is two commands, and CI runs the test command', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toMatch(/npm run quickstart[^\n]*\nnpm test/);
    expect(readFileSync(join(ROOT, '.ci', 'run'), 'utf8')).toMatch(/^npm test$/m);
  });
});
