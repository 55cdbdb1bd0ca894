/**
 * Drift in the pure core: an update's cause, from the digest of what pbxsync last wrote
 * (`pbxsync_written`), for rows edited in memory after an in-memory apply. The end-to-end
 * cases (real SQLite and PostgreSQL, the CLI's output) are in test/e2e/drift.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { makePlan } from '../../src/core/make-plan.js';
import { replayPlan } from '../../src/core/replay-plan.js';
import type { PbxTenantState } from '../../src/model/pbx-state.js';
import type { Plan, SubscriberChange } from '../../src/model/plan.js';
import { EMPTY_STORED_STATE, type StoredTenantState } from '../../src/model/stored-state.js';
import type { TenantConfig } from '../../src/model/tenant-config.js';
import { KEY_ID, applyPlan, config, emptyPbx, fakeCredentials, user } from '../support/builders.js';

const alice = user('Alice Adams');
const bob = user('Bob Brown');
const base = { credentials: fakeCredentials, keyId: KEY_ID };

function plan(cfg: TenantConfig, pbx: PbxTenantState, stored: StoredTenantState): Plan {
  return makePlan({ ...base, config: cfg, directory: [alice, bob], pbx, stored });
}

function applied(cfg = config({ defaults: { language: 'en-US' } })) {
  const first = plan(cfg, emptyPbx(), EMPTY_STORED_STATE);
  return { cfg, pbx: { ...applyPlan(emptyPbx(), first), fingerprint: 'fp-1' }, stored: first.nextState };
}

/** The rows with one preference of alice's changed (value) or removed (null). */
function editPref(pbx: PbxTenantState, attribute: string, value: string | null): PbxTenantState {
  const mine = (p: PbxTenantState['preferences'][number]) => p.uuid === alice.id && p.attribute === attribute;
  const preferences = value === null ? pbx.preferences.filter((p) => !mine(p)) : pbx.preferences.map((p) => (mine(p) ? { ...p, value } : p));
  return { ...pbx, preferences, fingerprint: 'fp-2' };
}

const updates = (p: Plan) => p.changes.filter((c): c is Extract<SubscriberChange, { kind: 'update' }> => c.entity === 'subscriber' && c.kind === 'update');

describe('drift', () => {
  it('writes a digest with every account it creates, and nothing else changes on the second plan', () => {
    const { cfg, pbx, stored } = applied();
    expect(pbx.preferences.filter((p) => p.attribute === 'pbxsync_written').map((p) => p.value)).toEqual([
      expect.stringMatching(/^i:[0-9a-f]{16} s:[0-9a-f]{16}$/),
      expect.stringMatching(/^i:[0-9a-f]{16} s:[0-9a-f]{16}$/),
    ]);
    expect(plan(cfg, pbx, stored).changes).toEqual([]);
  });

  it('tells a value set back from one the file asks for, and both from an account without a digest', () => {
    const { cfg, pbx, stored } = applied();
    const edited = editPref(pbx, 'language', 'de-DE');
    expect(updates(plan(cfg, edited, stored)).map((c) => c.cause)).toEqual([{ requested: [], drift: ['settings'] }]);
    const asked = config({ defaults: { language: 'fr-FR' } });
    expect(updates(plan(asked, pbx, stored)).map((c) => c.cause)).toEqual([
      { requested: ['settings'], drift: [] },
      { requested: ['settings'], drift: [] },
    ]);
    expect(updates(plan(asked, edited, stored))[0]!.cause).toEqual({ requested: ['settings'], drift: ['settings'] });
    const noDigest = editPref(edited, 'pbxsync_written', null);
    expect(updates(plan(cfg, noDigest, stored)).map((c) => c.cause)).toEqual([{ requested: ['settings'], drift: [] }]);
  });

  it('makes no change for a missing or edited digest alone, and writes it along with the next change', () => {
    const { cfg, pbx, stored } = applied();
    expect(plan(cfg, editPref(pbx, 'pbxsync_written', null), stored).changes).toEqual([]);
    expect(plan(cfg, editPref(pbx, 'pbxsync_written', 'by hand'), stored).changes).toEqual([]);
    const next = plan(cfg, editPref(editPref(pbx, 'pbxsync_written', null), 'language', 'de-DE'), stored);
    const after = applyPlan(editPref(editPref(pbx, 'pbxsync_written', null), 'language', 'de-DE'), next);
    expect(after.preferences.filter((p) => p.uuid === alice.id && p.attribute === 'pbxsync_written')).toHaveLength(1);
    expect(
      plan(cfg, editPref(after, 'language', 'it-IT'), next.nextState).changes.flatMap((c) =>
        c.entity === 'subscriber' && c.kind === 'update' ? [c.cause] : [],
      ),
    ).toEqual([{ requested: [], drift: ['settings'] }]);
  });

  it('never lists or changes an attribute pbxsync does not manage', () => {
    const { cfg, pbx, stored } = applied();
    const row = { uuid: alice.id, username: 'alice.adams', attribute: 'custom_note', type: 0, value: 'VIP' };
    const extra = { ...pbx, preferences: [...pbx.preferences, row], fingerprint: 'fp-3' };
    expect(plan(cfg, extra, stored).changes).toEqual([]);
    const asked = plan(config({ defaults: { language: 'fr-FR' } }), extra, stored);
    expect(updates(asked).flatMap((c) => c.attributes.map((a) => a.attribute))).toEqual(['language', 'language']);
    expect(applyPlan(extra, asked).preferences).toContainEqual(row);
  });

  it('counts updates that set back drift towards the safety brake, and says how many they are', () => {
    const cfg = config({ defaults: { language: 'en-US' }, safety: { maxRemoveShare: 0.3, maxUpdateShare: 0.5, minExisting: 1 } });
    const { pbx, stored } = applied(cfg);
    const bobs = (p: PbxTenantState) => ({
      ...p,
      preferences: p.preferences.map((r) => (r.uuid === bob.id && r.attribute === 'language' ? { ...r, value: 'de-DE' } : r)),
    });
    const verdict = plan(cfg, bobs(editPref(pbx, 'language', 'de-DE')), stored).safety;
    expect(verdict.ok).toBe(false);
    expect(verdict.reasons).toEqual(['would update 2 of 2 subscribers (100% > max_update_share 50%; 2 of them set back rows changed outside pbxsync)']);
  });

  it('replays a saved plan with drift to the same plan', () => {
    const withCaller = applied(config({ defaults: { language: 'en-US', caller_id: '+1212' } }));
    const drifted = editPref(withCaller.pbx, 'caller_id', '+1999');
    const made = makePlan({ ...base, config: withCaller.cfg, directory: [alice, bob], pbx: drifted, stored: withCaller.stored });
    expect(updates(made).map((c) => c.cause)).toEqual([{ requested: [], drift: ['settings'] }]);
    const saved = {
      name: 'p.json',
      pbxFingerprint: made.pbxFingerprint,
      recordFingerprint: made.recordFingerprint,
      changes: made.changes,
      warnings: made.warnings,
      scope: made.scope,
    };
    expect(replayPlan({ ...base, config: withCaller.cfg, pbx: drifted, stored: withCaller.stored }, saved)).toEqual(made);
  });
});
