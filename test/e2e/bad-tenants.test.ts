/**
 * Every bad tenant file fails cleanly through the CLI: exit 1, a `file:line:col` line naming
 * the problem, no stack trace, and nothing written next to it (no PBX, no state, no sheet).
 */
import { copyFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, pbxsync, scratchDir } from '../support/cli.js';
import { testIspConfig } from '../support/isp.js';

const FOLDER = join(ROOT, 'test', 'fixtures', 'bad-tenants');
const files = readdirSync(FOLDER)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

function expectation(file: string): { line: number; col: number; text: string } {
  const m = /^# expect: (\d+):(\d+) (.+)$/m.exec(readFileSync(join(FOLDER, file), 'utf8'));
  if (!m) throw new Error(`${file} has no '# expect:' line`);
  return { line: Number(m[1]), col: Number(m[2]), text: m[3]!.trim() };
}

describe('bad tenant files', () => {
  it('exist', () => expect(files.length).toBeGreaterThanOrEqual(12));

  for (const file of files) {
    for (const command of [['validate'], ['plan'], ['apply', '--auto-approve']]) {
      it(`${command[0]} ${file}`, () => {
        const dir = scratchDir('pbxsync-bad-');
        copyFileSync(join(FOLDER, file), join(dir, file));
        const r = pbxsync([command[0]!, file, ...command.slice(1)], {
          cwd: dir,
          env: { PBXSYNC_MASTER_KEY: Buffer.alloc(32, 3).toString('base64'), PBXSYNC_ISP_CONFIG: testIspConfig() },
        });
        const want = expectation(file);
        expect(r.status).toBe(1);
        const line = r.stderr.split('\n').find((l) => l.startsWith(`${file}:${want.line}:${want.col}:`));
        expect(line, r.stderr).toBeDefined();
        expect(line).toContain(want.text);
        expect(r.stderr).not.toMatch(/\n\s+at /);
        expect(readdirSync(dir)).toEqual([file]);
      });
    }
  }
});
