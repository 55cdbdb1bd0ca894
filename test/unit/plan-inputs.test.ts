import { describe, expect, it } from 'vitest';
import { planInputsDigest, type PlanInputs } from '../../src/core/plan-inputs.js';
import { EMPTY_STORED_STATE } from '../../src/model/stored-state.js';
import { KEY_ID, config, user } from '../support/builders.js';

const alice = user('Alice Adams');
const bob = user('Bob Brown');
const base: PlanInputs = {
  version: '0.1.0',
  tenantFileText: 'tenant: acme\n',
  config: config(),
  directory: [alice, bob],
  stored: EMPTY_STORED_STATE,
  keyId: KEY_ID,
  policy: { namespace: false },
};

describe('planInputsDigest: what the no-change check compares besides the PBX rows', () => {
  it('does not depend on the order the directory was read in, nor on key order', () => {
    const reordered = { ...base, directory: [bob, { ...alice }].map((u) => Object.fromEntries(Object.entries(u).reverse()) as typeof u) };
    expect(planInputsDigest(reordered)).toBe(planInputsDigest(base));
  });

  it('changes with every input', () => {
    const digest = planInputsDigest(base);
    const variants: Partial<PlanInputs>[] = [
      { version: '0.1.1' },
      { tenantFileText: 'tenant: acme\n# a comment\n' },
      { config: config({ defaults: { language: 'fr-FR' } }) },
      { directory: [alice] },
      { directory: [alice, { ...bob, displayName: 'Bob B.' }] },
      { directory: [alice, { ...bob, accountEnabled: false }] },
      { stored: { ...EMPTY_STORED_STATE, retired: ['1999'] } },
      { keyId: 'k1-ffffffffffffffff' },
      { policy: { namespace: true } },
    ];
    for (const variant of variants) expect(planInputsDigest({ ...base, ...variant }), JSON.stringify(variant)).not.toBe(digest);
  });
});
