import { describe, expect, it } from 'vitest';
import { makePlan } from '../../src/core/make-plan.js';
import { PlanError } from '../../src/core/plan-error.js';
import type { DirectoryUser } from '../../src/model/directory-user.js';
import type { PbxTenantState } from '../../src/model/pbx-state.js';
import type { Plan } from '../../src/model/plan.js';
import { EMPTY_STORED_STATE, type StoredTenantState } from '../../src/model/stored-state.js';
import type { TenantConfig } from '../../src/model/tenant-config.js';
import { applyPlan, config, emptyPbx, fakeCredentials, override, user } from '../support/builders.js';

function plan(cfg: TenantConfig, directory: DirectoryUser[], pbx: PbxTenantState = emptyPbx(), stored: StoredTenantState = EMPTY_STORED_STATE): Plan {
  return makePlan({ config: cfg, directory, pbx, stored, credentials: fakeCredentials });
}

/** Plans and applies in memory; returns the new rows, state and the plan. */
function converge(cfg: TenantConfig, directory: DirectoryUser[], pbx = emptyPbx(), stored = EMPTY_STORED_STATE) {
  const p = plan(cfg, directory, pbx, stored);
  return { plan: p, pbx: applyPlan(pbx, p), stored: p.nextState };
}

const extOf = (p: Plan) => Object.fromEntries(p.accounts.map((a) => [a.upn, a.extension]));
const kinds = (p: Plan) => p.changes.map((c) => `${c.kind}:${c.entity === 'domain' ? c.domain : 'after' in c ? c.after.upn : c.before.upn}`);

const alice = user('Alice Adams');
const bob = user('Bob Brown');
const carol = user('Carol Clark');

describe('makePlan', () => {
  it('creates the domain and every in-scope user, numbered in display-name order', () => {
    const p = plan(config(), [carol, alice, bob]);
    expect(kinds(p)).toEqual(['create:acme.com', 'create:alice.adams@acme.com', 'create:bob.brown@acme.com', 'create:carol.clark@acme.com']);
    expect(extOf(p)).toEqual({ 'alice.adams@acme.com': '1001', 'bob.brown@acme.com': '1002', 'carol.clark@acme.com': '1003' });
    expect(p.summary).toEqual({ create: 3, update: 0, disable: 0, delete: 0 });
  });

  it('leaves out disabled accounts, guests and other domains by default', () => {
    const others = [
      user('Dis Abled', undefined, { accountEnabled: false }),
      user('Gu Est', 'gu_contoso.com#EXT#@acme.onmicrosoft.com', { userType: 'Guest' }),
      user('Other Domain', 'od@acme-labs.io'),
    ];
    expect(plan(config(), [alice, ...others]).accounts.map((a) => a.upn)).toEqual(['alice.adams@acme.com']);
    const wide = config({ source: { type: 'snapshot', path: 'x', scope: { enabledOnly: false, membersOnly: true, domains: ['acme.com', 'acme-labs.io'] } } });
    expect(plan(wide, [alice, ...others]).accounts).toHaveLength(3);
  });

  it('is empty when applied twice, whatever the directory order', () => {
    const first = converge(config(), [alice, bob, carol]);
    expect(plan(config(), [carol, bob, alice], first.pbx, first.stored).changes).toEqual([]);
  });

  it('keeps existing extensions when a new user sorts before them', () => {
    const first = converge(config(), [bob, carol]);
    const aaron = user('Aaron Aardvark');
    const second = plan(config(), [aaron, bob, carol], first.pbx, first.stored);
    expect(kinds(second)).toEqual(['create:aaron.aardvark@acme.com']);
    expect(extOf(second)).toMatchObject({ 'bob.brown@acme.com': '1001', 'carol.clark@acme.com': '1002', 'aaron.aardvark@acme.com': '1003' });
  });

  it('skips reserved numbers and lets pins win', () => {
    const cfg = config({ extensions: { start: 1001, end: 1999, reserved: [{ from: 1001, to: 1001 }], reuse: 'never' }, users: [override('bob.brown@acme.com', { extension: 1500 })] });
    expect(extOf(plan(cfg, [alice, bob, carol]))).toEqual({ 'alice.adams@acme.com': '1002', 'carol.clark@acme.com': '1003', 'bob.brown@acme.com': '1500' });
  });

  it('renumbers only through a pin, and never hands the old number to someone else', () => {
    const first = converge(config(), [alice, bob]);
    const cfg = config({ users: [override(alice.id, { extension: 1100 })] });
    const moved = converge(cfg, [alice, bob], first.pbx, first.stored);
    expect(moved.plan.changes).toHaveLength(1);
    expect(moved.plan.changes[0]).toMatchObject({ kind: 'update', fields: [{ field: 'extension', before: '1001', after: '1100' }] });
    expect(moved.stored.retired).toContain('1001');
    const dave = user('Dave Dunn');
    expect(extOf(plan(cfg, [alice, bob, dave], moved.pbx, moved.stored))['dave.dunn@acme.com']).toBe('1003');
  });

  it('refuses a pin on a number another user holds', () => {
    const first = converge(config(), [alice, bob]);
    const cfg = config({ users: [override(bob.id, { extension: 1001 })] });
    expect(() => plan(cfg, [alice, bob], first.pbx, first.stored)).toThrow(/extension 1001 pinned for bob.brown@acme.com is held by another account/);
  });

  it('fails when the range is exhausted instead of wrapping around', () => {
    const cfg = config({ extensions: { start: 1001, end: 1002, reserved: [], reuse: 'never' } });
    expect(() => plan(cfg, [alice, bob, carol])).toThrow(PlanError);
    expect(() => plan(cfg, [alice, bob, carol])).toThrow(/no free extension left for carol.clark@acme.com: the range 1001–1002 is exhausted/);
  });

  it('disables a leaver (row gone, extension and settings kept) and brings them back unchanged', () => {
    const first = converge(config(), [alice, bob]);
    const left = converge(config(), [alice], first.pbx, first.stored);
    expect(kinds(left.plan)).toEqual(['disable:bob.brown@acme.com']);
    expect(left.pbx.subscribers.map((s) => s.username)).toEqual(['alice.adams']);
    expect(left.pbx.aliases.map((a) => a.aliasUsername).sort()).toEqual(['1001', '1002']);
    expect(plan(config(), [alice], left.pbx, left.stored).changes).toEqual([]);
    const back = converge(config(), [alice, bob], left.pbx, left.stored);
    expect(back.plan.changes[0]).toMatchObject({ kind: 'update', after: { extension: '1002', username: 'bob.brown', status: 'active' } });
    expect(back.pbx.subscribers).toHaveLength(2);
  });

  it('deletes leavers when told to, and retires their number', () => {
    const first = converge(config(), [alice, bob]);
    const cfg = config({ leavers: 'delete' });
    const gone = converge(cfg, [alice], first.pbx, first.stored);
    expect(kinds(gone.plan)).toEqual(['delete:bob.brown@acme.com']);
    expect(gone.pbx.aliases.map((a) => a.aliasUsername)).toEqual(['1001']);
    expect(gone.stored.retired).toEqual(['1002']);
    expect(extOf(plan(cfg, [alice, carol], gone.pbx, gone.stored))['carol.clark@acme.com']).toBe('1003');
    const reuse = config({ leavers: 'delete', extensions: { start: 1001, end: 1999, reserved: [], reuse: 'after-delete' } });
    expect(extOf(plan(reuse, [alice, carol], gone.pbx, gone.stored))['carol.clark@acme.com']).toBe('1002');
  });

  it('matches by object id: a rename is an update of the same subscriber', () => {
    const first = converge(config(), [alice]);
    const renamed = { ...alice, displayName: 'Alice Zed', userPrincipalName: 'alice.zed@acme.com', mail: 'alice.zed@acme.com' };
    const p = plan(config(), [renamed], first.pbx, first.stored);
    expect(p.changes).toHaveLength(1);
    expect(p.changes[0]).toMatchObject({ kind: 'update', after: { username: 'alice.adams', extension: '1001' } });
    const fields = p.changes[0]!.kind === 'update' ? p.changes[0]!.fields.map((f) => f.field) : [];
    expect(fields).toEqual(['display_name', 'email', 'upn']);
  });

  it('gives colliding usernames a deterministic suffix, and keeps it', () => {
    const rene = user('Rene Muller', 'rene.muller@acme.com');
    const reneAccent = user('René Müller', 'rené.müller@acme.com');
    const p = plan(config(), [reneAccent, rene]);
    expect(p.accounts.map((a) => [a.upn, a.username])).toEqual([
      ['rene.muller@acme.com', 'rene.muller'],
      ['rené.müller@acme.com', 'rene.muller2'],
    ]);
  });

  it('reports rows it did not create and never touches them', () => {
    const foreign: PbxTenantState = {
      ...emptyPbx(),
      domain: { did: 'acme', exists: true, attrs: {} },
      subscribers: [{ username: 'alice.adams', ha1: 'x', ha1b: 'y', hasPlaintext: true }],
      aliases: [{ aliasUsername: '1001', username: 'alice.adams' }],
    };
    const p = plan(config(), [alice], foreign);
    expect(p.accounts[0]).toMatchObject({ username: 'alice.adams2', extension: '1002' });
    expect(p.warnings.map((w) => w.code)).toEqual(['foreign-subscriber', 'foreign-alias']);
    const after = applyPlan(foreign, p);
    expect(after.subscribers.find((s) => s.username === 'alice.adams')).toEqual(foreign.subscribers[0]);
  });

  it('adopts a foreign subscriber only when told to', () => {
    const foreign: PbxTenantState = { ...emptyPbx(), subscribers: [{ username: 'alice.adams', ha1: 'x', ha1b: 'y', hasPlaintext: true }] };
    const p = plan(config({ users: [override(alice.id, { adopt: true })] }), [alice], foreign);
    expect(p.changes.find((c) => c.kind === 'create' && c.entity === 'subscriber')).toMatchObject({ adopts: true, after: { username: 'alice.adams' } });
    expect(applyPlan(foreign, p).subscribers).toHaveLength(1);
  });

  it('changes exactly the field a default changes, and rotates on a new generation', () => {
    const first = converge(config({ defaults: { language: 'en-US' } }), [alice, bob]);
    const p = plan(config({ defaults: { language: 'fr-FR' } }), [alice, bob], first.pbx, first.stored);
    expect(p.changes.map((c) => (c.kind === 'update' ? c.fields.map((f) => `${f.field}:${f.before}→${f.after}`) : c.kind))).toEqual([
      ['language:en-US→fr-FR'],
      ['language:en-US→fr-FR'],
    ]);
    const rot = plan(config({ defaults: { language: 'en-US' }, users: [override(bob.id, { generation: 2 })] }), [alice, bob], first.pbx, first.stored);
    expect(rot.changes).toHaveLength(1);
    expect(rot.changes[0]).toMatchObject({ kind: 'update', rotate: true });
  });

  it('rebuilds a wiped PBX with the same usernames and extensions from the stored state', () => {
    const first = converge(config({ users: [override(carol.id, { extension: 1500 })] }), [alice, bob, carol]);
    const aaron = user('Aaron Aardvark');
    const rebuilt = plan(config(), [aaron, alice, bob, carol], emptyPbx(), first.stored);
    expect(extOf(rebuilt)).toEqual({ ...extOf(first.plan), 'aaron.aardvark@acme.com': '1003' });
  });

  it('refuses to disable more than the safety share', () => {
    const many = Array.from({ length: 10 }, (_, i) => user(`User ${String(i).padStart(2, '0')}`));
    const cfg = config({ safety: { maxRemoveShare: 0.3, maxUpdateShare: 0.5, minExisting: 10 } });
    const first = converge(cfg, many);
    expect(plan(cfg, many.slice(0, 7), first.pbx, first.stored).safety.ok).toBe(true);
    const unsafe = plan(cfg, many.slice(0, 6), first.pbx, first.stored).safety;
    expect(unsafe).toMatchObject({ ok: false, existing: 10, removing: 4 });
    expect(unsafe.reasons[0]).toMatch(/40% > max_remove_share 30%/);
  });

  it('excludes users named in the file, and an excluded existing user becomes a leaver', () => {
    const first = converge(config(), [alice, bob]);
    const p = plan(config({ users: [override('bob.brown@acme.com', { exclude: true })] }), [alice, bob], first.pbx, first.stored);
    expect(kinds(p)).toEqual(['disable:bob.brown@acme.com']);
  });

  it('never puts a secret in the plan', () => {
    const p = plan(config(), [alice]);
    expect(JSON.stringify(p)).not.toMatch(/scrypt|ha1/i);
  });
});
