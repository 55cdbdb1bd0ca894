import { describe, expect, it } from 'vitest';
import { makePlan } from '../../src/core/make-plan.js';
import { PlanError } from '../../src/core/plan-error.js';
import type { DirectoryUser } from '../../src/model/directory-user.js';
import type { PbxTenantState } from '../../src/model/pbx-state.js';
import type { Plan, SubscriberChange } from '../../src/model/plan.js';
import { EMPTY_STORED_STATE, type StoredTenantState } from '../../src/model/stored-state.js';
import type { TenantConfig } from '../../src/model/tenant-config.js';
import { buildRowOps } from '../../src/core/row-ops.js';
import { KEY_ID, applyPlan, config, emptyPbx, fakeCredentials, fakeHashes, override, user } from '../support/builders.js';

function plan(
  cfg: TenantConfig,
  directory: DirectoryUser[],
  pbx: PbxTenantState = emptyPbx(),
  stored: StoredTenantState = EMPTY_STORED_STATE,
  keyId = KEY_ID,
): Plan {
  return makePlan({ config: cfg, directory, pbx, stored, credentials: fakeCredentials, keyId });
}

/** Plans and applies in memory; returns the new rows, state and the plan. */
function converge(cfg: TenantConfig, directory: DirectoryUser[], pbx = emptyPbx(), stored = EMPTY_STORED_STATE) {
  const p = plan(cfg, directory, pbx, stored);
  return { plan: p, pbx: applyPlan(pbx, p), stored: p.nextState };
}

const extOf = (p: Plan) => Object.fromEntries(p.accounts.map((a) => [a.upn, a.extensions.join(',')]));
const subscriberChanges = (p: Plan) => p.changes.filter((c): c is SubscriberChange => c.entity === 'subscriber');
const kinds = (p: Plan) =>
  p.changes.map((c) =>
    c.entity === 'domain'
      ? c.kind === 'create'
        ? `create:${c.domain}`
        : `move:${c.from}`
      : c.entity === 'record'
        ? 'record'
        : `${c.kind}:${c.kind === 'delete' ? c.before.upn : c.after.upn}`,
  );

const alice = user('Alice Adams');
const bob = user('Bob Brown');
const carol = user('Carol Clark');

describe('makePlan', () => {
  it('creates the domain, every in-scope user numbered in display-name order, and records the key id', () => {
    const p = plan(config(), [carol, alice, bob]);
    expect(kinds(p)).toEqual(['create:acme.com', 'create:alice.adams@acme.com', 'create:bob.brown@acme.com', 'create:carol.clark@acme.com', 'record']);
    expect(extOf(p)).toEqual({ 'alice.adams@acme.com': '1001', 'bob.brown@acme.com': '1002', 'carol.clark@acme.com': '1003' });
    expect(p.summary).toEqual({ create: 3, update: 0, disable: 0, delete: 0 });
    expect(p.changes.at(-1)).toEqual({ kind: 'update', entity: 'record', add: [{ type: 'key', keyId: KEY_ID }], remove: [] });
    expect(p.nextState.keyId).toBe(KEY_ID);
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
    const cfg = config({
      extensions: { start: 1001, end: 1999, reserved: [{ from: 1001, to: 1001 }], reuse: 'never' },
      users: [override('bob.brown@acme.com', { extension: 1500 })],
    });
    expect(extOf(plan(cfg, [alice, bob, carol]))).toEqual({ 'alice.adams@acme.com': '1002', 'carol.clark@acme.com': '1003', 'bob.brown@acme.com': '1500' });
  });

  it('renumbers only through a pin, as a typed extension change, and retires the old number', () => {
    const first = converge(config(), [alice, bob]);
    const cfg = config({ users: [override(alice.id, { extension: 1100 })] });
    const moved = converge(cfg, [alice, bob], first.pbx, first.stored);
    expect(subscriberChanges(moved.plan)).toHaveLength(1);
    expect(moved.plan.changes[0]).toMatchObject({
      kind: 'update',
      extensions: { before: ['1001'], after: ['1100'] },
      attributes: [],
      credentials: { writeSubscriber: false },
    });
    expect(moved.stored.retired).toContain('1001');
    expect(moved.plan.changes.at(-1)).toMatchObject({ entity: 'record', add: [{ type: 'retired', extension: '1001' }] });
    const dave = user('Dave Dunn');
    expect(extOf(plan(cfg, [alice, bob, dave], moved.pbx, moved.stored))['dave.dunn@acme.com']).toBe('1003');
  });

  it('refuses a pin on a number another user holds', () => {
    const first = converge(config(), [alice, bob]);
    const cfg = config({ users: [override(bob.id, { extension: 1001 })] });
    expect(() => plan(cfg, [alice, bob], first.pbx, first.stored)).toThrow(/extension 1001 pinned for bob.brown@acme.com is held by another account/);
  });

  it('fails when the range is exhausted instead of wrapping around, in one line however many miss out', () => {
    const cfg = config({ extensions: { start: 1001, end: 1002, reserved: [], reuse: 'never' } });
    expect(() => plan(cfg, [alice, bob, carol])).toThrow(PlanError);
    expect(() => plan(cfg, [alice, bob, carol])).toThrow(/^no free extension left for carol.clark@acme.com: the range 1001–1002 is exhausted$/);
    const many = Array.from({ length: 500 }, (_, i) => user(`Many ${String(i).padStart(3, '0')}`));
    expect(() => plan(cfg, many)).toThrow(
      /^no free extension left for 498 users \(many\.002@acme\.com, many\.003@acme\.com, many\.004@acme\.com, …\): the range 1001–1002 is exhausted$/,
    );
  });

  it('disables a leaver (row gone, extension and settings kept) and brings them back with the same passwords', () => {
    const first = converge(config(), [alice, bob]);
    const left = converge(config(), [alice], first.pbx, first.stored);
    expect(kinds(left.plan)).toEqual(['disable:bob.brown@acme.com']);
    expect(left.pbx.subscribers.map((s) => s.username)).toEqual(['alice.adams']);
    expect(left.pbx.aliases.map((a) => a.aliasUsername).sort()).toEqual(['1001', '1002']);
    expect(plan(config(), [alice], left.pbx, left.stored).changes).toEqual([]);
    const back = converge(config(), [alice, bob], left.pbx, left.stored);
    const change = back.plan.changes[0]!;
    expect(change).toMatchObject({ kind: 'update', after: { extensions: ['1002'], username: 'bob.brown', status: 'active' } });
    // A returning leaver gets its subscriber row back; its passwords and softphone hash stay.
    expect(change).toMatchObject({ credentials: { newPasswords: false, writeSubscriber: true, writeSoftphoneHash: false, reasons: ['reenable'] } });
    expect(back.pbx.subscribers).toHaveLength(2);
    expect(plan(config(), [alice, bob], back.pbx, back.stored).changes).toEqual([]);
  });

  it('deletes leavers when told to, every alias of them, and retires their numbers', () => {
    const first = converge(config(), [alice, bob]);
    // A second alias routed to bob, as a hand edit or an older pbxsync might have left.
    const twoAliases = { ...first.pbx, aliases: [...first.pbx.aliases, { aliasUsername: '2002', username: 'bob.brown' }] };
    const cfg = config({ leavers: 'delete' });
    const gone = converge(cfg, [alice], twoAliases, first.stored);
    expect(kinds(gone.plan)).toEqual(['delete:bob.brown@acme.com', 'record']);
    expect(gone.pbx.aliases.map((a) => a.aliasUsername)).toEqual(['1001']);
    expect(gone.stored.retired).toEqual(['1002', '2002']);
    expect(extOf(plan(cfg, [alice, carol], gone.pbx, gone.stored))['carol.clark@acme.com']).toBe('1003');
    const reuse = config({ leavers: 'delete', extensions: { start: 1001, end: 1999, reserved: [], reuse: 'after-delete' } });
    expect(extOf(plan(reuse, [alice, carol], gone.pbx, gone.stored))['carol.clark@acme.com']).toBe('1002');
  });

  it('matches by object id: a rename is an update of the same subscriber', () => {
    const first = converge(config(), [alice]);
    const renamed = { ...alice, displayName: 'Alice Zed', userPrincipalName: 'alice.zed@acme.com', mail: 'alice.zed@acme.com' };
    const p = plan(config(), [renamed], first.pbx, first.stored);
    expect(p.changes).toHaveLength(1);
    expect(p.changes[0]).toMatchObject({ kind: 'update', after: { username: 'alice.adams', extensions: ['1001'] }, username: null, extensions: null });
    const change = p.changes[0] as Extract<SubscriberChange, { kind: 'update' }>;
    expect(change.attributes.map((a) => a.attribute)).toEqual(['display_name', 'email', 'upn']);
  });

  it('renames a username given in the file by moving its rows, with the same passwords', () => {
    const first = converge(config(), [alice]);
    const p = converge(config({ users: [override(alice.id, { username: 'ada' })] }), [alice], first.pbx, first.stored);
    expect(p.plan.changes[0]).toMatchObject({
      kind: 'update',
      username: { before: 'alice.adams', after: 'ada' },
      credentials: { newPasswords: false, writeSubscriber: true, writeSoftphoneHash: false, reasons: ['username'] },
    });
    expect(p.pbx.subscribers.map((s) => s.username)).toEqual(['ada']);
    expect(new Set(p.pbx.preferences.filter((r) => r.uuid === alice.id).map((r) => r.username))).toEqual(new Set(['ada']));
    expect(p.pbx.preferences.some((r) => r.uuid === alice.id && r.attribute === 'softphone_password')).toBe(true);
    expect(p.pbx.aliases).toContainEqual({ aliasUsername: '1001', username: 'ada' });
    expect(plan(config({ users: [override(alice.id, { username: 'ada' })] }), [alice], p.pbx, p.stored).changes).toEqual([]);
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
      domain: { did: 'acme', exists: true, attrs: {}, otherDomainsOfDid: [] },
      subscribers: [{ username: 'alice.adams', ha1: 'x', ha1b: 'y', hasPlaintext: true }],
      aliases: [{ aliasUsername: '1001', username: 'alice.adams' }],
    };
    const p = plan(config(), [alice], foreign);
    expect(p.accounts[0]).toMatchObject({ username: 'alice.adams2', extensions: ['1002'] });
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

  it('changes exactly the attribute a default changes, and rotates on a new generation', () => {
    const first = converge(config({ defaults: { language: 'en-US' } }), [alice, bob]);
    const p = plan(config({ defaults: { language: 'fr-FR' } }), [alice, bob], first.pbx, first.stored);
    expect(subscriberChanges(p).map((c) => (c.kind === 'update' ? c.attributes : c.kind))).toEqual([
      [{ attribute: 'language', before: { type: 0, value: 'en-US' }, after: { type: 0, value: 'fr-FR' } }],
      [{ attribute: 'language', before: { type: 0, value: 'en-US' }, after: { type: 0, value: 'fr-FR' } }],
    ]);
    const rot = plan(config({ defaults: { language: 'en-US' }, users: [override(bob.id, { generation: 2 })] }), [alice, bob], first.pbx, first.stored);
    expect(rot.changes).toHaveLength(1);
    expect(rot.changes[0]).toMatchObject({
      kind: 'update',
      credentials: { newPasswords: true, writeSubscriber: true, writeSoftphoneHash: true, reasons: ['generation'] },
    });
  });

  it('rebuilds a wiped PBX from the stored state: same usernames, extensions and passwords, disabled leavers included', () => {
    const cfg = config({ users: [override(carol.id, { extension: 1500 })] });
    const first = converge(cfg, [alice, bob, carol]);
    const left = converge(cfg, [alice, carol], first.pbx, first.stored); // bob is a disabled leaver
    const aaron = user('Aaron Aardvark');
    const rebuilt = converge(cfg, [aaron, alice, carol], emptyPbx(), left.stored);
    expect(extOf(rebuilt.plan)).toEqual({ ...extOf(left.plan), 'aaron.aardvark@acme.com': '1003' });
    expect(rebuilt.plan.warnings.map((w) => w.code)).toContain('record-restored');
    const restored = subscriberChanges(rebuilt.plan).filter((c) => c.kind === 'create' && c.credentials.reasons.includes('restored'));
    expect(restored.map((c) => (c.kind === 'create' ? [c.after.username, c.after.status, c.credentials.newPasswords] : []))).toEqual([
      ['alice.adams', 'active', false],
      ['bob.brown', 'disabled', false],
      ['carol.clark', 'active', false],
    ]);
    expect(rebuilt.pbx.aliases.map((a) => a.aliasUsername).sort()).toEqual(['1001', '1002', '1003', '1500']);
    expect(rebuilt.stored).toEqual({
      ...left.stored,
      accounts: { ...left.stored.accounts, [aaron.id]: { username: 'aaron.aardvark', extensions: ['1003'], generation: 1, status: 'active' } },
    });
  });

  it('with the state lost and the PBX intact, plans exactly as with the state: retired numbers stay retired', () => {
    const cfg = config({ leavers: 'delete' });
    const first = converge(cfg, [alice, bob]);
    const gone = converge(cfg, [alice], first.pbx, first.stored); // bob deleted, 1002 retired
    const dave = user('Dave Dunn');
    const withState = plan(cfg, [alice, dave], gone.pbx, gone.stored);
    const withoutState = plan(cfg, [alice, dave], gone.pbx, EMPTY_STORED_STATE);
    expect(withoutState.changes).toEqual(withState.changes);
    expect(extOf(withoutState)['dave.dunn@acme.com']).toBe('1003');
    expect(withoutState.nextState).toEqual(withState.nextState);
    expect(withoutState.warnings.map((w) => w.code)).toEqual(['record-restored']);
    // A pin onto the retired number is refused without the state too.
    const pinned = config({ leavers: 'delete', users: [override(dave.id, { extension: 1002 })] });
    expect(() => plan(pinned, [alice, dave], gone.pbx, EMPTY_STORED_STATE)).toThrow(/extension 1002 pinned for dave.dunn@acme.com belonged to a deleted user/);
  });

  it('says which copy of the record won when the state store and the PBX disagree', () => {
    const first = converge(config(), [alice, bob]);
    const old: StoredTenantState = {
      ...first.stored,
      accounts: { ...first.stored.accounts, [bob.id]: { username: 'bob.brown', extensions: ['1009'], generation: 1, status: 'active' } },
      retired: ['1099'],
    };
    const p = plan(config(), [alice, bob], first.pbx, old);
    expect(p.warnings.filter((w) => w.code === 'record-disagrees').map((w) => w.message)).toEqual([
      expect.stringMatching(/disagree about 1 account .*the PBX rows won/),
      expect.stringMatching(/has 1 retired number the PBX does not \(1099\): kept retired/),
    ]);
    expect(extOf(p)['bob.brown@acme.com']).toBe('1002');
    expect(p.nextState.retired).toEqual(['1099']);
  });

  it('stops before anything when the run has another master key than the tenant recorded', () => {
    const first = converge(config(), [alice, bob]);
    expect(() => plan(config(), [alice, bob], first.pbx, first.stored, 'k1-ffffffffffffffff')).toThrow(
      /^tenant acme was set up with master key k1-0123456789abcdef, but this run has key k1-ffffffffffffffff; nothing was changed$/,
    );
    expect(() => plan(config(), [alice, bob], first.pbx, EMPTY_STORED_STATE, 'k1-ffffffffffffffff')).toThrow(/set up with master key k1-0123456789abcdef/);
  });

  it('re-keys only when the tenant file names the new key, as a rotation of every password behind the brake', () => {
    const first = converge(config(), [alice, bob]);
    const next = 'k1-ffffffffffffffff';
    const p = plan(config({ credentials: { storePlaintext: false, keyId: next } }), [alice, bob], first.pbx, first.stored, next);
    expect(subscriberChanges(p).map((c) => c.kind === 'update' && c.credentials)).toEqual([
      { newPasswords: true, writeSubscriber: true, writeSoftphoneHash: true, reasons: ['rekey'] },
      { newPasswords: true, writeSubscriber: true, writeSoftphoneHash: true, reasons: ['rekey'] },
    ]);
    expect(p.changes.at(-1)).toMatchObject({ entity: 'record', add: [{ type: 'key', keyId: next }], remove: [{ type: 'key', keyId: KEY_ID }] });
    expect(p.safety.ok).toBe(false);
    expect(p.safety.reasons).toEqual([expect.stringMatching(/re-keys the tenant from master key k1-0123456789abcdef to k1-ffffffffffffffff/)]);
    expect(() => plan(config({ credentials: { storePlaintext: false, keyId: next } }), [alice, bob], first.pbx, first.stored)).toThrow(
      /names master key k1-ffffffffffffffff \(credentials.key_id\), but this run has key k1-0123456789abcdef/,
    );
  });

  it('refuses a key whose passwords match no subscriber row of a tenant that has no key id yet', () => {
    const first = converge(config(), [alice, bob]);
    const legacy = { ...first.pbx, preferences: first.pbx.preferences.filter((r) => r.attribute !== 'pbxsync_key_id') };
    const otherKey = { matches: () => false };
    expect(() =>
      makePlan({ config: config(), directory: [alice, bob], pbx: legacy, stored: EMPTY_STORED_STATE, credentials: otherKey, keyId: 'k1-ffffffffffffffff' }),
    ).toThrow(/none of the 2 subscriber rows of tenant acme holds a password derived from this run's master key k1-ffffffffffffffff/);
    const ok = plan(config(), [alice, bob], legacy, EMPTY_STORED_STATE);
    expect(ok.changes).toEqual([{ kind: 'update', entity: 'record', add: [{ type: 'key', keyId: KEY_ID }], remove: [] }]);
  });

  it('refuses a tenant renamed on an existing domain instead of copying every account', () => {
    const first = converge(config(), [alice, bob]);
    expect(() => plan(config({ name: 'acme2' }), [alice, bob], first.pbx, EMPTY_STORED_STATE)).toThrow(
      /^domain acme.com belongs to tenant 'acme' \(its did\), but this file is tenant 'acme2'; nothing was changed$/,
    );
    const noDomain = { ...first.pbx, domain: emptyPbx().domain };
    expect(() => plan(config({ name: 'acme2' }), [alice, bob], noDomain, EMPTY_STORED_STATE)).toThrow(/holds 2 accounts that pbxsync made for tenant 'acme'/);
    const otherDomain = { ...emptyPbx(), domain: { ...emptyPbx().domain, otherDomainsOfDid: ['acme.org'] } };
    expect(() => plan(config(), [alice], otherDomain)).toThrow(/tenant name 'acme' is already the did of domain acme.org/);
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

  it('warns, in the plan, about an override whose UPN an account had before a rename, and names the object id', () => {
    const first = converge(config(), [alice]);
    const renamed = { ...alice, userPrincipalName: 'alice.zed@acme.com' };
    const p = plan(config({ users: [override('alice.adams@acme.com', { language: 'de-DE' } as never)] }), [renamed], first.pbx, first.stored);
    expect(p.warnings).toEqual([
      expect.objectContaining({
        code: 'override-stale-upn',
        message:
          'users.alice.adams@acme.com matches no directory user: it named alice.adams (1001), whose UPN is now alice.zed@acme.com; its overrides no longer apply to that account',
        hint: `key the entry by object id, which survives renames: ${alice.id}`,
      }),
    ]);
    expect(plan(config({ users: [override('nobody@acme.com')] }), [alice], first.pbx, first.stored).warnings.map((w) => w.code)).toEqual([
      'override-matches-nobody',
    ]);
  });

  it('cuts long values on code-point boundaries, says so, and converges', () => {
    const long = user(`${'x'.repeat(127)}😀 tail`, 'long@acme.com');
    const first = converge(config(), [long]);
    const stored = first.pbx.preferences.find((r) => r.attribute === 'display_name')!.value;
    expect(Array.from(stored)).toHaveLength(128);
    expect(stored.endsWith('😀')).toBe(true);
    expect(first.plan.warnings.map((w) => w.code)).toEqual(['value-truncated']);
    expect(plan(config(), [long], first.pbx, first.stored).changes).toEqual([]);
  });

  it('removes control characters and broken surrogates from directory text, with a warning', () => {
    const nul = user('Null\u0000Name\u001b[31m\ud800', 'nul@acme.com', { department: 'Ops\u0085' });
    const p = converge(config(), [nul]);
    expect(p.plan.accounts[0]?.displayName).toBe('NullName[31m');
    expect(p.pbx.preferences.find((r) => r.attribute === 'department')?.value).toBe('Ops');
    expect(p.plan.warnings).toEqual([expect.objectContaining({ code: 'value-cleaned', message: expect.stringContaining('displayName, department') })]);
    expect(plan(config(), [nul], p.pbx, p.stored).changes).toEqual([]);
  });

  it('never puts a secret in the plan', () => {
    const p = plan(config(), [alice]);
    expect(JSON.stringify(p)).not.toMatch(/scrypt|ha1/i);
  });

  it('moves a tenant to another domain as one change: rows re-homed, ha1 rewritten, same usernames, extensions and passwords', () => {
    const first = converge(config(), [alice, bob, carol]);
    const left = converge(config(), [alice, bob], first.pbx, first.stored); // carol disabled: moves too, without a subscriber row
    const moved = makePlan({
      config: config({ domain: 'acme.net', source: { type: 'snapshot', path: 'x', scope: { enabledOnly: true, membersOnly: true, domains: ['acme.com'] } } }),
      directory: [alice, bob],
      pbx: left.pbx,
      stored: left.stored,
      credentials: { matches: () => false },
      keyId: KEY_ID,
      move: { from: 'acme.com' },
    });
    expect(moved.changes).toEqual([
      {
        kind: 'move',
        entity: 'domain',
        from: 'acme.com',
        to: 'acme.net',
        did: 'acme',
        accounts: 3,
        rehash: [alice, bob].map((u) => ({ objectId: u.id, username: u.userPrincipalName.split('@')[0], generation: 1 })),
      },
    ]);
    expect(moved.summary).toEqual({ create: 0, update: 0, disable: 0, delete: 0 });
    expect(moved.safety.ok).toBe(true);
    expect(moved.nextState).toEqual(left.stored);
    expect(moved.accounts.map((a) => [a.username, a.extensions[0]])).toEqual([
      ['alice.adams', '1001'],
      ['bob.brown', '1002'],
    ]);
    const ops = buildRowOps(moved, { subscriber: (a) => ({ username: a.username, password: '', ...fakeHashes(a) }), softphoneHash: () => 'x' });
    expect(ops.moveDomain).toEqual({ from: 'acme.com' });
    expect(ops.insertSubscribers.map((r) => r.username)).toEqual(['alice.adams', 'bob.brown']);
  });

  it('refuses a move while the old domain holds rows pbxsync did not create', () => {
    const first = converge(config(), [alice]);
    const withFax = { ...first.pbx, subscribers: [...first.pbx.subscribers, { username: 'fax', ha1: 'x', ha1b: 'y', hasPlaintext: true }] };
    expect(() =>
      makePlan({
        config: config({ domain: 'acme.net' }),
        directory: [alice],
        pbx: withFax,
        stored: first.stored,
        credentials: fakeCredentials,
        keyId: KEY_ID,
        move: { from: 'acme.com' },
      }),
    ).toThrow(/^domain acme\.com holds 1 row pbxsync did not create \(fax\); a move would take them along; nothing was changed$/);
  });
});
