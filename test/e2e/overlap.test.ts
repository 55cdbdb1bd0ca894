/**
 * Runs that overlap lose nothing: 20 plans (each rewriting the delta cache, without a lock)
 * and 2 applies of one tenant at once, against the Graph emulator. Afterwards every joiner
 * has its number in the PBX and in the state store, the two copies of the tenant's record
 * agree, and the next plan is empty.
 */
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GraphEmulator } from '../graph-emulator/server.js';
import { acmeEmulator, useAzureSource } from '../support/azure-fixture.js';
import { exampleTenant } from '../support/cli.js';
import { pbxsyncAsync } from '../support/cli-async.js';

let em: GraphEmulator;
let dir: string;
let env: NodeJS.ProcessEnv;
const run = (...args: string[]) => pbxsyncAsync(args, { cwd: dir, env });

beforeEach(async () => {
  em = await acmeEmulator();
  ({ dir, env } = exampleTenant());
  env = { ...env, ...useAzureSource(dir, em) };
  expect((await run('pbx', 'init', 'sqlite:pbx.sqlite')).status).toBe(0);
});

afterEach(async () => {
  await em.stop();
});

const JOINERS = 12;

describe('overlapping runs of one tenant', () => {
  it('20 plans and 2 applies at once lose no allocation, retirement or generation', { timeout: 240_000 }, async () => {
    const first = await run('apply', 'tenant.yaml', '--auto-approve', '--no-spreadsheet');
    expect(first.status, first.stderr).toBe(0);
    for (let i = 0; i < JOINERS; i++) {
      em.directory.addUser({
        id: `00000000-0000-4000-8000-0000000a${String(i).padStart(4, '0')}`,
        userPrincipalName: `joiner${i}@acme.com`,
        displayName: `Joiner ${i}`,
        accountEnabled: true,
        userType: 'Member',
      });
    }
    const runs = [
      ...Array.from({ length: 20 }, () => run('plan', 'tenant.yaml')),
      run('apply', 'tenant.yaml', '--auto-approve', '--no-spreadsheet', '--lock-timeout', '3m'),
      run('apply', 'tenant.yaml', '--auto-approve', '--no-spreadsheet', '--lock-timeout', '3m'),
    ];
    const results = await Promise.all(runs);
    for (const r of results) expect(r.status, r.stderr).toBe(0);
    const applies = results.slice(20).map((r) => r.stdout);
    expect(applies.filter((o) => o.includes(`Apply complete: ${JOINERS} created`))).toHaveLength(1);
    expect(applies.filter((o) => o.includes('Apply complete: no changes.'))).toHaveLength(1);

    const db = new Database(join(dir, 'pbx.sqlite'), { readonly: true });
    const aliases = new Map(
      (db.prepare("SELECT username, alias_username AS ext FROM dbaliases WHERE alias_domain = 'acme.com'").all() as { username: string; ext: string }[]).map(
        (r) => [r.username, r.ext],
      ),
    );
    db.close();
    const state = JSON.parse(readFileSync(join(dir, 'acme.pbxsync-state.json'), 'utf8'))['pbxsync:tenant:acme'].value as {
      accounts: Record<string, { username: string; extensions: string[] }>;
    };
    for (let i = 0; i < JOINERS; i++) {
      const entry = state.accounts[`00000000-0000-4000-8000-0000000a${String(i).padStart(4, '0')}`];
      expect(entry?.extensions).toHaveLength(1);
      expect(aliases.get(entry!.username)).toBe(entry!.extensions[0]);
    }
    expect(Object.keys(state.accounts)).toHaveLength(33 + JOINERS);
    expect(JSON.parse(readFileSync(join(dir, 'acme.pbxsync-cache.json'), 'utf8'))).toBeTypeOf('object');

    const after = await run('plan', 'tenant.yaml', '--detailed-exitcode');
    expect(after.status, after.stdout).toBe(0);
    expect(after.stdout).not.toMatch(/Warnings:/);
  });
});
