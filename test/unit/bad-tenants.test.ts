import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, it, expect } from 'vitest';
import { loadTenant } from '../../src/config/load-tenant.js';
import { formatProblem } from '../../src/config/problem.js';
import { loadIspPolicy } from '../../src/policy/load-isp-config.js';
import { testIspConfig } from '../support/isp.js';

const dir = fileURLToPath(new URL('../fixtures/bad-tenants/', import.meta.url));
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

/** `# expect: LINE:COL SUBSTRING-OF-MESSAGE` on the file's first line. */
function expectation(text: string): { line: number; col: number; substring: string } {
  const m = /^# expect: (\d+):(\d+) (.+)$/m.exec(text);
  if (!m) throw new Error('fixture has no "# expect: LINE:COL MESSAGE" header');
  return { line: Number(m[1]), col: Number(m[2]), substring: m[3]!.trim() };
}

describe('bad tenant fixtures', () => {
  it('has a fixture for each kind of mistake', () => {
    expect(files.length).toBeGreaterThanOrEqual(12);
  });

  it.each(files)('%s reports its expected error', async (name) => {
    const path = join(dir, name);
    const want = expectation(readFileSync(path, 'utf8'));
    // an empty environment (the fixtures' ${VAR}s are unset), under the tests' ISP configuration
    const { config, problems } = await loadTenant(path, {}, await loadIspPolicy({ PBXSYNC_ISP_CONFIG: testIspConfig() }));
    const errors = problems.filter((p) => p.severity === 'error');
    expect(config).toBeUndefined();
    const shown = errors.map(formatProblem).join('\n');
    const hit = errors.find((p) => p.line === want.line && p.col === want.col && p.message.includes(want.substring));
    expect(hit, `expected ${want.line}:${want.col} "${want.substring}" among:\n${shown}`).toBeDefined();
    // one mistake per fixture: nothing else may be reported as an error
    expect(errors, shown).toHaveLength(1);
  });
});
