/**
 * PostgreSQL failures as a user meets them: through the built CLI (bin/pbxsync.js → dist/,
 * so `npm run build` first, as for test/e2e). The process prints one error line and a hint,
 * no stack, and exits: it neither hangs on a connection left open nor crashes.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { HOLD_MARKER } from '../../src/pbx/test-hold.js';
import { bigTenant, editTenantFile } from '../support/big-tenant.js';
import { pbxsync } from '../support/cli.js';
import { PG_SKIP_REASON, PG_URL, createDatabase, dropDatabases, dumpPg, terminateBackend, waitForBackend } from '../support/postgres.js';
import { startPbxsync, type RunningCli } from '../support/spawn-cli.js';

afterAll(dropDatabases);

const running: RunningCli[] = [];
afterEach(() => {
  for (const r of running.splice(0)) r.child.kill('SIGKILL');
});

function noStack(stderr: string): void {
  expect(stderr).not.toMatch(/^\s+at /m);
  expect(stderr).not.toContain('unexpected error');
  expect(stderr.match(/^error: /gm)).toHaveLength(1);
}

/** Resolves with the exit, or fails the test when the process is still running after `ms`. */
async function exitWithin(cli: RunningCli, ms: number): Promise<{ code: number | null }> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`pbxsync still running after ${ms} ms:\n${cli.stderr()}`)), ms);
  });
  try {
    return await Promise.race([cli.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe.skipIf(!PG_URL)(`pbxsync when PostgreSQL fails${PG_URL ? '' : ` (${PG_SKIP_REASON})`}`, () => {
  it('plan with the state database down exits at once in one line, though the PBX connection was still being opened', async () => {
    const url = await createDatabase({ kamailio: true });
    const down = new URL(PG_URL);
    down.port = '1';
    const t = bigTenant(3, { pbxUrl: url });
    editTenantFile(t.file, (doc) => doc.setIn(['state', 'url'], '${STATE_URL}'));
    const plan = startPbxsync(['plan', 'tenant.yaml'], { cwd: t.dir, env: { ...t.env, STATE_URL: down.toString() } });
    running.push(plan);
    const { code } = await exitWithin(plan, 30_000);
    expect(code).toBe(1);
    noStack(plan.stderr());
    // The URL came from the environment: the message names it by its reference only.
    expect(plan.stderr()).toMatch(/^error: cannot connect to the state database \$\{STATE_URL\}: connection refused$/m);
  });

  it('apply whose connection is lost inside the transaction: one line, nothing written, and it exits', async () => {
    const url = await createDatabase({ kamailio: true });
    const t = bigTenant(3, { pbxUrl: url });
    const first = pbxsync(['apply', 'tenant.yaml', '--auto-approve'], { cwd: t.dir, env: t.env });
    expect(first.status, first.stderr).toBe(0);
    editTenantFile(t.file, (doc) => doc.setIn(['defaults', 'language'], 'fr-FR'));
    const before = await dumpPg(url);

    // The hold is not cut short by the loss (it is a plain timer), so keep it short: the
    // process exits once it is over.
    const apply = startPbxsync(['apply', 'tenant.yaml', '--auto-approve'], { cwd: t.dir, env: { ...t.env, PBXSYNC_TEST_HOLD_TX_MS: '8000' } });
    running.push(apply);
    await apply.waitFor(new RegExp(HOLD_MARKER));
    const held = await waitForBackend(url, 'pbxsync', "the apply's open transaction", (b) => b.state === 'idle in transaction');
    await terminateBackend(url, held.pid);
    const { code } = await exitWithin(apply, 30_000);
    expect(code).toBe(1);
    noStack(apply.stderr());
    expect(apply.stderr()).toMatch(/^error: the connection to the PBX database \S+ was lost during the apply; nothing was written$/m);
    expect(apply.stderr()).toMatch(/^ {2}hint: .*retry/m);
    expect(await dumpPg(url)).toEqual(before);
  });
});
