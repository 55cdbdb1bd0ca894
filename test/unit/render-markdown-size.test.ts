/**
 * The pull-request comment fits GitHub's limit (65,536 characters) whatever the plans hold:
 * a big onboarding is cut with a note saying what was cut and where the full plan is, the
 * room is shared among the tenants, and the table always has every tenant's counts.
 */
import { describe, expect, it } from 'vitest';
import { makePlan } from '../../src/core/make-plan.js';
import { EMPTY_STORED_STATE } from '../../src/model/stored-state.js';
import type { Plan } from '../../src/model/plan.js';
import { COMMENT_LIMIT, renderPlanMarkdown, renderPlansMarkdown, type MarkdownTenant } from '../../src/render/render-markdown.js';
import { KEY_ID, applyPlan, config, emptyPbx, fakeCredentials, user } from '../support/builders.js';

function onboarding(count: number, tenant = 'acme', domain = 'acme.com', applied = false): Plan {
  const directory = Array.from({ length: count }, (_, i) =>
    user(`User ${String(i).padStart(5, '0')} of the ${tenant} department of long names`, `user${i}@${domain}`),
  );
  const cfg = config({
    name: tenant,
    domain,
    extensions: { start: 1001, end: 99999, reserved: [], reuse: 'never' },
    defaults: { language: 'en-US', area_code: '212', caller_id: '+12125550100', pickup_group: `${tenant}-all` },
  });
  const first = makePlan({ config: cfg, directory, pbx: emptyPbx(), stored: EMPTY_STORED_STATE, credentials: fakeCredentials, keyId: KEY_ID });
  if (!applied) return first;
  return makePlan({ config: cfg, directory, pbx: applyPlan(emptyPbx(), first), stored: first.nextState, credentials: fakeCredentials, keyId: KEY_ID });
}

const entry = (plan: Plan, file = `tenants/${plan.tenant}.yaml`): MarkdownTenant => ({
  file,
  tenant: plan.tenant,
  domain: plan.domain,
  result: plan.changes.length > 0 ? 'changes' : 'no-changes',
  plan,
});
const size = (s: string) => Buffer.byteLength(s, 'utf8');

describe('a comment that fits', () => {
  it('a 1,222-user onboarding: under the limit, every count in the table, a cut note naming the saved plan', () => {
    const plan = onboarding(1222);
    const md = renderPlanMarkdown(plan, { savedPlans: 'acme.plan.json' });
    expect(size(md)).toBeLessThan(COMMENT_LIMIT);
    expect(md.length).toBeLessThan(COMMENT_LIMIT);
    expect(size(md)).toBeGreaterThan(COMMENT_LIMIT * 0.8); // it uses the room it has
    expect(md).toContain('| 1222 | 0 | 0 | 0 |');
    expect(md).toMatch(
      /^> ✂️ \*\*Cut to fit GitHub's comment limit\*\* \(65,536 characters\): not shown are `acme` \(\d+ of 1222 changes, 0 of 0 warnings\)\. The counts above are complete\. The full plan is the saved plan in `acme\.plan\.json`/m,
    );
    const cut = /✂️ (\d+) of 1222 subscriber changes not shown here/.exec(md);
    expect(cut).not.toBeNull();
    expect(md.split('\n').filter((l) => l.startsWith('@@ create'))).toHaveLength(1222 - Number(cut![1]));
    expect(md.trimEnd().endsWith('</details>')).toBe(true); // the fences and sections are closed
  });

  it('a small plan is not cut', () => {
    const md = renderPlanMarkdown(onboarding(20));
    expect(md).not.toContain('✂️');
    expect(md.split('\n').filter((l) => l.startsWith('@@ create'))).toHaveLength(20);
  });

  it('30 tenants, two of them big: the room is shared, unchanged tenants take one line, the rest have their section', () => {
    const plans = Array.from({ length: 30 }, (_, i) =>
      onboarding(i < 2 ? 800 : 5, `t${String(i).padStart(2, '0')}`, `t${String(i).padStart(2, '0')}.example`, i >= 10),
    );
    const md = renderPlansMarkdown([
      ...plans.map((p) => entry(p)),
      { file: 'tenants/broken.yaml', tenant: null, domain: null, result: 'failed', error: 'tenants/broken.yaml:3:9: error: <b>bad</b> @octocat' },
    ]);
    expect(size(md)).toBeLessThan(COMMENT_LIMIT);
    expect(md).toContain('**10 with changes, 20 unchanged, 1 failed.**');
    expect(md.split('\n').filter((l) => l.startsWith('| `t'))).toHaveLength(30);
    expect(md.split('\n').filter((l) => l.startsWith('<details>'))).toHaveLength(11); // changes and the failure
    for (const t of ['t02', 't09']) expect(md).toMatch(new RegExp(`^@@ create \\d+ user0 {2}User 00000 of the ${t} `, 'm')); // small ones in full
    expect(md).toMatch(/^@@ create 1001 user0 {2}User 00000 of the t00 /m); // the big ones get their share too
    expect(md).toMatch(/^@@ create 1001 user0 {2}User 00000 of the t01 /m);
    expect(md).toContain('\\<b\\>bad\\<\\/b\\> \\@&#8203;octocat');
    expect(md).toContain('The full plan: save it with `pbxsync plan … --out PATH`');
  });

  it('hundreds of tenants: a compact table of those with changes, the unchanged counted', () => {
    const changed = Array.from({ length: 600 }, (_, i) => entry(onboarding(1, `c${i}`, `c${i}.example`)));
    const unchanged = Array.from({ length: 400 }, (_, i) => entry(onboarding(1, `u${i}`, `u${i}.example`, true)));
    const md = renderPlansMarkdown([...changed, ...unchanged], { savedPlans: 'plans/' });
    expect(size(md)).toBeLessThan(COMMENT_LIMIT);
    expect(md).toMatch(/1000 tenants, 400 of them unchanged \(not listed\)/);
    expect(md).not.toContain('<details>');
  });
});
