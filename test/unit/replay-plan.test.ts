import { describe, expect, it } from 'vitest';
import { makePlan } from '../../src/core/make-plan.js';
import { PlanError } from '../../src/core/plan-error.js';
import { StalePlanError, replayPlan } from '../../src/core/replay-plan.js';
import type { Change } from '../../src/model/plan.js';
import { EMPTY_STORED_STATE } from '../../src/model/stored-state.js';
import { KEY_ID, applyPlan, config, emptyPbx, fakeCredentials, user } from '../support/builders.js';

const alice = user('Alice Adams');
const bob = user('Bob Brown');
const base = { credentials: fakeCredentials, keyId: KEY_ID };

function made() {
  const first = makePlan({ ...base, config: config(), directory: [alice, bob], pbx: emptyPbx(), stored: EMPTY_STORED_STATE });
  const pbx = { ...applyPlan(emptyPbx(), first), fingerprint: 'fp-1' };
  const cfg = config({ leavers: 'delete', defaults: { language: 'de-DE' } });
  const plan = makePlan({ ...base, config: cfg, directory: [alice], pbx, stored: first.nextState });
  return { cfg, pbx, stored: first.nextState, plan };
}

const saved = (p: ReturnType<typeof made>['plan'], changes: readonly Change[] = p.changes) => ({
  name: 'acme.plan.json',
  pbxFingerprint: p.pbxFingerprint,
  recordFingerprint: p.recordFingerprint,
  changes,
  warnings: p.warnings,
  scope: p.scope,
});

describe('replayPlan', () => {
  it('recomputes everything from the saved changes and gets the plan that was saved', () => {
    const { cfg, pbx, stored, plan } = made();
    const replayed = replayPlan({ ...base, config: cfg, pbx, stored }, saved(plan));
    expect(replayed).toEqual(plan);
  });

  it('refuses changes that do not follow from the rows they claim to start from', () => {
    const { cfg, pbx, stored, plan } = made();
    const edited = plan.changes.map((c) => (c.entity === 'subscriber' && c.kind === 'update' ? { ...c, after: { ...c.after, extensions: ['1999'] } } : c));
    expect(() => replayPlan({ ...base, config: cfg, pbx, stored }, saved(plan, edited))).toThrow(PlanError);
    expect(() => replayPlan({ ...base, config: cfg, pbx, stored }, saved(plan, edited))).toThrow(
      /the changes in acme\.plan\.json do not follow from the PBX rows and the record it was made from \(change \d of \d differs\)/,
    );
    const fewer = plan.changes.filter((c) => c.entity !== 'record');
    expect(() => replayPlan({ ...base, config: cfg, pbx, stored }, saved(plan, fewer))).toThrow(/2 changes saved, 3 follow/);
  });

  it('is stale once the PBX rows or the record moved on', () => {
    const { cfg, pbx, stored, plan } = made();
    expect(() => replayPlan({ ...base, config: cfg, pbx: { ...pbx, fingerprint: 'fp-2' }, stored }, saved(plan))).toThrow(StalePlanError);
    const moved = { ...stored, retired: ['1777'] };
    expect(() => replayPlan({ ...base, config: cfg, pbx, stored: moved }, saved(plan))).toThrow(
      /the record of tenant acme \(state store and PBX\) changed since acme\.plan\.json was made/,
    );
  });
});
