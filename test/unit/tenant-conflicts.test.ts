import { describe, expect, it } from 'vitest';
import { checkTenantText } from '../../src/config/load-tenant.js';
import { findConflicts, type LoadedTenant } from '../../src/app/tenant-conflicts.js';
import { combinedExit, type TenantOutcome } from '../../src/app/tenant-outcome.js';
import { runPool } from '../../src/app/run-pool.js';

function tenant(file: string, lines: { tenant: string; domain: string; scope?: string[]; sheet?: string }): LoadedTenant {
  const text = [
    `tenant: ${lines.tenant}`,
    `domain: ${lines.domain}`,
    'source:',
    '  type: snapshot',
    '  path: directory.json',
    ...(lines.scope ? ['  scope:', `    domains: [${lines.scope.join(', ')}]`] : []),
    'pbx:',
    '  url: sqlite:pbx.sqlite',
    'extensions:',
    '  start: 1001',
    ...(lines.sheet ? ['spreadsheet:', `  path: ${lines.sheet}`] : []),
    '',
  ].join('\n');
  const { config, problems } = checkTenantText(text, file, `/tenants/${file}`, {});
  if (!config) throw new Error(JSON.stringify(problems));
  return { file, config };
}

describe('conflicts between tenant files', () => {
  it('none between tenants with their own name, domain and spreadsheet (a shared PBX and state store are normal)', () => {
    expect(findConflicts([tenant('a.yaml', { tenant: 'a', domain: 'a.com' }), tenant('b.yaml', { tenant: 'b', domain: 'b.com' })])).toEqual([]);
  });

  it('one tenant name, one domain, a domain in another file’s scope, one spreadsheet: each at the later file’s position, naming the earlier', () => {
    const problems = findConflicts([
      tenant('a.yaml', { tenant: 'acme', domain: 'acme.com', sheet: 'shared.xlsx' }),
      tenant('b.yaml', { tenant: 'acme', domain: 'acme.com' }),
      tenant('c.yaml', { tenant: 'labs', domain: 'labs.com', scope: ['labs.com', 'acme.com'], sheet: 'shared.xlsx' }),
    ]);
    expect(problems.map((p) => `${p.file}:${p.line}:${p.col}: ${p.message}`)).toEqual([
      'b.yaml:1:9: tenant acme is also the tenant of a.yaml:1:9',
      'b.yaml:2:9: domain acme.com is also the domain of a.yaml:2:9',
      'c.yaml:7:25: domain acme.com is also claimed by a.yaml:2:9: its users would be onboarded into both tenants',
      "c.yaml:13:9: spreadsheet /tenants/shared.xlsx is also the spreadsheet of a.yaml:11:9: each apply would overwrite the other's credentials",
    ]);
    expect(problems.every((p) => p.severity === 'error' && p.hint)).toBe(true);
  });
});

describe('combining tenant runs', () => {
  const o = (result: TenantOutcome['result']): TenantOutcome => ({ file: 'f', tenant: 't', domain: 'd', result });
  it('exit 1 if any failed, else 2 for changes with --detailed-exitcode, else 0', () => {
    expect(combinedExit([o('changes'), o('failed')], true)).toBe(1);
    expect(combinedExit([o('changes'), o('no-changes')], true)).toBe(2);
    expect(combinedExit([o('changes'), o('no-changes')], false)).toBe(0);
    expect(combinedExit([o('applied'), o('kamailio-not-told')], false)).toBe(3);
  });

  it('the pool runs at most N at once and reports results in order', async () => {
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const gates = Array.from({ length: 6 }, () => {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      return { promise, resolve };
    });
    const done = runPool(
      [0, 1, 2, 3, 4, 5],
      2,
      async (i) => {
        peak = Math.max(peak, ++running);
        await gates[i]!.promise;
        running--;
        return i * 10;
      },
      (r) => order.push(r),
    );
    for (const i of [1, 0, 3, 2, 5, 4]) {
      gates[i]!.resolve();
      await new Promise((r) => setImmediate(r));
    }
    expect(await done).toEqual([0, 10, 20, 30, 40, 50]);
    expect(order).toEqual([0, 10, 20, 30, 40, 50]);
    expect(peak).toBe(2);
  });
});
