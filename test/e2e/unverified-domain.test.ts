/**
 * plan and apply honour the domain check: a tenant is created on a domain only once its
 * `_pbxsync` TXT record is there (a real dnsmasq, given with --dns-server), or when the domain
 * lies under the ISP's namespace. The plan shows the state in every output; apply refuses an
 * unverified domain and writes nothing.
 */
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verificationRecord } from '../../src/credentials/domain-token.js';
import { parseKey } from '../../src/credentials/master-key.js';
import { exampleTenant, pbxsync } from '../support/cli.js';
import { DNSMASQ_SKIP, startDnsmasq } from '../support/dnsmasq.js';
import { testIspYaml, writeTestIspConfig } from '../support/isp.js';

const subscribers = (dir: string) => {
  const db = new Database(join(dir, 'pbx.sqlite'), { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM subscriber').get() as { n: number }).n;
  } finally {
    db.close();
  }
};

describe.skipIf(DNSMASQ_SKIP !== undefined)(`a new tenant's domain${DNSMASQ_SKIP ? ` (${DNSMASQ_SKIP})` : ''}`, () => {
  it('unverified: the plan says so with the record to create, and apply refuses, writing nothing; verified: apply goes ahead', async () => {
    const example = exampleTenant();
    const env: NodeJS.ProcessEnv = { ...example.env, PBXSYNC_ISP_CONFIG: writeTestIspConfig('no-namespace.yaml', testIspYaml('', [])) };
    const { dir } = example;
    expect(pbxsync(['pbx', 'init', 'sqlite:pbx.sqlite'], { cwd: dir, env }).status).toBe(0);
    const record = verificationRecord(parseKey(readFileSync(env.PBXSYNC_MASTER_KEY_FILE!, 'utf8'), 'test'), 'acme.com');

    const empty = await startDnsmasq(['--local=/acme.com/']);
    try {
      const dns = ['--dns-server', empty.server];
      const plan = pbxsync(['plan', 'tenant.yaml', ...dns], { cwd: dir, env });
      expect(plan.status).toBe(0);
      expect(plan.stdout).toMatch(/^Domain acme\.com \(the tenant is created on it\): NOT verified: its TXT record is missing/m);
      expect(plan.stdout).toContain(`The customer's DNS must hold: ${record.name} TXT "${record.value}"`);
      expect(JSON.parse(pbxsync(['plan', 'tenant.yaml', '--json', ...dns], { cwd: dir, env }).stdout).domain_check).toMatchObject({
        domain: 'acme.com',
        reason: 'create',
        state: 'missing',
      });
      expect(pbxsync(['plan', 'tenant.yaml', '--markdown', ...dns], { cwd: dir, env }).stdout).toMatch(/^⛔ Domain acme\\\.com/m);
      const apply = pbxsync(['apply', 'tenant.yaml', '--auto-approve', ...dns], { cwd: dir, env });
      expect(apply.status).toBe(1);
      expect(apply.stderr).toMatch(/^error: refusing to create the tenant on acme\.com: it is not verified \(missing: .*\); nothing was changed$/m);
      expect(apply.stderr).toContain(
        `hint: the customer's DNS admin creates ${record.name} TXT "${record.value}"; then check it with: pbxsync domain verify tenant.yaml`,
      );
      expect(subscribers(dir)).toBe(0);
    } finally {
      await empty.stop();
    }

    const withRecord = await startDnsmasq(['--local=/acme.com/', `--txt-record=${record.name},${record.value}`]);
    try {
      const dns = ['--dns-server', withRecord.server];
      expect(pbxsync(['plan', 'tenant.yaml', ...dns], { cwd: dir, env }).stdout).toMatch(
        /^Domain acme\.com \(the tenant is created on it\): verified: its TXT record is in place/m,
      );
      const apply = pbxsync(['apply', 'tenant.yaml', '--auto-approve', ...dns], { cwd: dir, env });
      expect(apply.status, apply.stderr).toBe(0);
      expect(subscribers(dir)).toBe(33);
    } finally {
      await withRecord.stop();
    }
    // Once the domain is the tenant's, it is not checked again (no DNS server is even given).
    const again = pbxsync(['plan', 'tenant.yaml', '--detailed-exitcode'], { cwd: dir, env });
    expect(again.status).toBe(0);
    expect(again.stdout).not.toMatch(/^Domain acme\.com/m);
  });
});
