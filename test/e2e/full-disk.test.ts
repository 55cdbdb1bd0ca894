/**
 * A full disk, for real: a tiny tmpfs mounted in a private mount namespace (`unshare -m`, so
 * nothing outside the test sees it or outlives it), filled up, and pbxsync asked to write its
 * saved plan, state file and spreadsheet there. Each write fails in one line and leaves the
 * old file exactly as it was. Needs root (CI runs as root); skipped otherwise, saying so.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { editTenantFile } from '../support/big-tenant.js';
import { ROOT, exampleTenant, pbxsync } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

/** Whether this machine lets us mount a tmpfs in a private mount namespace (root, not forbidden by a container). */
function canMount(): boolean {
  if (process.getuid?.() !== 0 || !existsSync('/usr/bin/unshare')) return false;
  const probe = tempDir('mount-probe-');
  return spawnSync('unshare', ['-m', '--propagation', 'private', 'mount', '-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' }).status === 0;
}

const CAN_MOUNT = canMount();
const SKIP = CAN_MOUNT ? '' : ' (needs root and a mountable tmpfs in a private mount namespace: skipped)';

/** Runs `script` (sh) in its own mount namespace with a full 512 KiB tmpfs at $FULL. */
function onFullDisk(dir: string, full: string, script: string, env: NodeJS.ProcessEnv) {
  const setup = [
    'set -u',
    'mount -t tmpfs -o size=512k tmpfs "$FULL"',
    'printf "old plan\\n" > "$FULL/acme.plan.json"',
    'printf "{\\"old\\": 1}\\n" > "$FULL/state.json"',
    'printf "old sheet\\n" > "$FULL/acme.xlsx"',
    'dd if=/dev/zero of="$FULL/filler" bs=4k 2>/dev/null || true',
  ].join('\n');
  return spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', `${setup}\n${script}`], {
    cwd: dir,
    env: { ...env, PATH: process.env.PATH, HOME: dir, NO_COLOR: '1', FULL: full, PBXSYNC: `${process.execPath} ${join(ROOT, 'bin', 'pbxsync.js')}` },
    encoding: 'utf8',
  });
}

describe(`a full disk${SKIP}`, () => {
  it.skipIf(!CAN_MOUNT)('fails each write in one line and leaves the old files intact', () => {
    const { dir, env } = exampleTenant();
    expect(pbxsync(['pbx', 'init', 'sqlite:pbx.sqlite'], { cwd: dir, env }).status).toBe(0);
    const full = join(dir, 'full');
    mkdirSync(full);
    editTenantFile(join(dir, 'tenant.yaml'), (doc) => {
      doc.setIn(['state', 'url'], 'file:full/state.json');
      doc.setIn(['spreadsheet', 'path'], 'full/acme.xlsx');
    });
    const r = onFullDisk(
      dir,
      full,
      [
        '$PBXSYNC plan tenant.yaml --out "$FULL/acme.plan.json" >/dev/null 2>"$FULL/../plan.err"; echo "plan=$?"',
        '$PBXSYNC apply tenant.yaml --auto-approve >/dev/null 2>"$FULL/../apply.err"; echo "apply=$?"',
        'cat "$FULL/acme.plan.json" "$FULL/state.json" "$FULL/acme.xlsx"',
        'ls -a "$FULL" | grep -c "\\.tmp$" || true',
        'echo ---; cat "$FULL/../plan.err"; echo ---; cat "$FULL/../apply.err"',
      ].join('\n'),
      env,
    );
    expect(r.stderr).toBe('');
    const [head, planErr, applyErr] = r.stdout.split('---\n');
    expect(head).toBe('plan=1\napply=1\nold plan\n{"old": 1}\nold sheet\n0\n');
    for (const err of [planErr!, applyErr!]) expect(err).not.toMatch(/\n\s+at /);
    expect(planErr).toMatch(
      /^error: cannot write the saved plan .*full\/acme\.plan\.json \(ENOSPC\); the previous file, if any, is unchanged\n {2}hint: the disk is full/m,
    );
    // The PBX (on another disk) took the apply; the state store could not follow, and says so.
    expect(applyErr).toMatch(
      /^error: the PBX was updated, but the state store could not be: cannot write the (state|lock) file .*full\/state\.json(\.lock)? \(ENOSPC\)/m,
    );
    expect(applyErr).toMatch(
      /^error: the PBX was updated, but the credentials spreadsheet could not be written: cannot write the credentials spreadsheet .*full\/acme\.xlsx \(ENOSPC\)/m,
    );
    expect(pbxsync(['plan', 'tenant.yaml', '--detailed-exitcode'], { cwd: dir, env: { ...env } }).status).toBe(0);
  });
});
