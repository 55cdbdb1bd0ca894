/**
 * The warm CLI server (test/support/cli-server.mjs) answers exactly as a new process does:
 * the same status, stdout and stderr for the same calls, and nothing carried from one run to
 * the next (a module's cache, the working directory, the environment, the exit code).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exampleTenant, pbxsync, spawnPbxsync } from '../support/cli.js';
import { pbxsyncAsync, spawnPbxsyncAsync } from '../support/cli-async.js';
import { writeTestIspConfig } from '../support/isp.js';

describe('the CLI server', () => {
  it('answers each call as a spawned process does', () => {
    const { dir, env } = exampleTenant();
    const calls: [string[], string?][] = [
      [['pbx', 'init', 'sqlite:pbx.sqlite']],
      [['validate', 'tenant.yaml']],
      [['--version']],
      [['no-such-command']],
      [['plan', 'tenant.yaml', '--detailed-exitcode']],
      [['apply', 'tenant.yaml'], 'no\n'],
      [['validate', 'missing.yaml']],
      [['key', 'id']],
    ];
    for (const [args, input] of calls) {
      const opts = { cwd: dir, env: { ...env, PBX_URL: 'sqlite:pbx.sqlite' }, input };
      const spawned = spawnPbxsync(args, opts);
      expect(pbxsync(args, opts), args.join(' ')).toEqual(spawned);
    }
  });

  it('carries nothing from one run to the next: module caches, exit code, environment', () => {
    const { dir, env } = exampleTenant();
    const isp = writeTestIspConfig('changing-isp.yaml', 'allow:\n  env: [PBX_URL]');
    const opts = { cwd: dir, env: { ...env, PBXSYNC_ISP_CONFIG: isp } };
    expect(pbxsync(['validate', 'tenant.yaml'], opts).status).toBe(0);
    writeFileSync(isp, 'allow: [not, a, map]\n');
    const broken = pbxsync(['validate', 'tenant.yaml'], opts);
    expect(broken).toEqual(spawnPbxsync(['validate', 'tenant.yaml'], opts));
    expect(broken.status).toBe(1);
    // A variable of the previous run is not there in the next one.
    const without = pbxsync(['key', 'id'], { cwd: dir, env: {} });
    expect(without).toEqual(spawnPbxsync(['key', 'id'], { cwd: dir, env: {} }));
    expect(without.status).toBe(1);
    expect(pbxsync(['key', 'id'], { cwd: dir, env }).status).toBe(0);
  });

  it('runs calls at once in processes of their own, as spawned ones', async () => {
    const { dir, env } = exampleTenant();
    const opts = { cwd: dir, env };
    const args = ['validate', 'tenant.yaml', join(dir, 'nowhere.yaml')];
    const spawned = await spawnPbxsyncAsync(args, opts);
    const results = await Promise.all(Array.from({ length: 4 }, () => pbxsyncAsync(args, opts)));
    for (const r of results) expect(r).toEqual(spawned);
  });
});
