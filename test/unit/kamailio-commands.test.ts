import { describe, expect, it } from 'vitest';
import { makePlan } from '../../src/core/make-plan.js';
import { registrationAor } from '../../src/kamailio/aor.js';
import { kamailioCommands } from '../../src/kamailio/apply-commands.js';
import { commandText } from '../../src/kamailio/rpc-command.js';
import type { DirectoryUser } from '../../src/model/directory-user.js';
import type { PbxTenantState } from '../../src/model/pbx-state.js';
import type { Plan } from '../../src/model/plan.js';
import { EMPTY_STORED_STATE, type StoredTenantState } from '../../src/model/stored-state.js';
import type { TenantConfig } from '../../src/model/tenant-config.js';
import { KEY_ID, applyPlan, config, emptyPbx, fakeCredentials, override, user } from '../support/builders.js';

function plan(cfg: TenantConfig, directory: DirectoryUser[], pbx: PbxTenantState = emptyPbx(), stored: StoredTenantState = EMPTY_STORED_STATE): Plan {
  return makePlan({ config: cfg, directory, pbx, stored, credentials: fakeCredentials, keyId: KEY_ID });
}

function converge(cfg: TenantConfig, directory: DirectoryUser[], pbx = emptyPbx(), stored = EMPTY_STORED_STATE) {
  const p = plan(cfg, directory, pbx, stored);
  return { plan: p, pbx: applyPlan(pbx, p), stored: p.nextState };
}

const sent = (p: Plan) => kamailioCommands(p).map(commandText);

const alice = user('Alice Adams');
const bob = user('Bob Brown');
const carol = user('Carol Clark');

describe('kamailioCommands: what an applied plan tells Kamailio', () => {
  it('reloads the domains when the plan creates the tenant, and removes nobody', () => {
    expect(sent(plan(config(), [alice, bob]))).toEqual(['domain.reload']);
  });

  it('sends nothing for joiners, setting changes or an empty plan', () => {
    const first = converge(config({ defaults: { language: 'en-US' } }), [alice]);
    expect(sent(plan(config({ defaults: { language: 'en-US' } }), [alice], first.pbx, first.stored))).toEqual([]);
    expect(sent(plan(config({ defaults: { language: 'fr-FR' } }), [alice, bob], first.pbx, first.stored))).toEqual([]);
  });

  it('ends the registrations of disabled and deleted leavers', () => {
    const first = converge(config(), [alice, bob, carol]);
    expect(sent(plan(config(), [alice], first.pbx, first.stored))).toEqual(['ul.rm location bob.brown@acme.com', 'ul.rm location carol.clark@acme.com']);
    expect(sent(plan(config({ leavers: 'delete' }), [alice, carol], first.pbx, first.stored))).toEqual(['ul.rm location bob.brown@acme.com']);
  });

  it('ends the registration of a user whose passwords were rotated', () => {
    const first = converge(config(), [alice, bob]);
    expect(sent(plan(config({ users: [override(bob.id, { generation: 2 })] }), [alice, bob], first.pbx, first.stored))).toEqual([
      'ul.rm location bob.brown@acme.com',
    ]);
  });

  it('ends the registration under the old name of a renamed user, not the new one', () => {
    const first = converge(config(), [alice]);
    const renamed = plan(config({ users: [override(alice.id, { username: 'ada', generation: 2 })] }), [alice], first.pbx, first.stored);
    expect(sent(renamed)).toEqual(['ul.rm location alice.adams@acme.com']);
  });

  it('reloads the domains and ends every registration under the old domain when the tenant moves', () => {
    const first = converge(config(), [alice, bob, carol]);
    const moved = makePlan({
      config: config({ domain: 'moved.example' }),
      directory: [alice, carol],
      pbx: first.pbx,
      stored: first.stored,
      credentials: fakeCredentials,
      keyId: KEY_ID,
      move: { from: 'acme.com' },
    });
    expect(moved.changes.some((c) => c.entity === 'domain' && c.kind === 'move')).toBe(true);
    expect(sent(moved)).toEqual([
      'domain.reload',
      'ul.rm location alice.adams@acme.com',
      'ul.rm location bob.brown@acme.com',
      'ul.rm location carol.clark@acme.com',
    ]);
  });

  it('ends the registrations of a foreign subscriber it adopts (its password is replaced)', () => {
    const foreign: PbxTenantState = { ...emptyPbx(), subscribers: [{ username: 'alice.adams', ha1: 'x', ha1b: 'y', hasPlaintext: true }] };
    expect(sent(plan(config({ users: [override(alice.id, { adopt: true })] }), [alice], foreign))).toEqual([
      'domain.reload',
      'ul.rm location alice.adams@acme.com',
    ]);
  });

  it('ends the registration when it puts back hashes that were changed by hand', () => {
    const first = converge(config(), [alice, bob]);
    const edited = { ...first.pbx, subscribers: first.pbx.subscribers.map((s) => (s.username === 'bob.brown' ? { ...s, ha1: 'changed-by-hand' } : s)) };
    expect(sent(plan(config(), [alice, bob], edited, first.stored))).toEqual(['ul.rm location bob.brown@acme.com']);
  });

  it('sends each address once, after the reload, however many changes name it', () => {
    const first = converge(config(), [alice]);
    const p = plan(config(), [alice], first.pbx, first.stored);
    const twice: Plan = {
      ...p,
      changes: [
        ...p.changes,
        { kind: 'delete', entity: 'subscriber', before: first.plan.accounts[0]! },
        { kind: 'delete', entity: 'subscriber', before: first.plan.accounts[0]! },
        { kind: 'create', entity: 'domain', domain: 'acme.com', did: 'acme' },
      ],
    };
    expect(sent(twice)).toEqual(['domain.reload', 'ul.rm location alice.adams@acme.com']);
  });

  it('names AORs as usrloc does with use_domain = 1: user@domain, lower case', () => {
    expect(registrationAor('alice.adams', 'Acme.COM')).toBe('alice.adams@acme.com');
  });
});
