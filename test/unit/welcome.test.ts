/**
 * Who gets a welcome e-mail and what it says: joiners and rotated users only (not renames,
 * restores or returning leavers), the address from the directory (not the tenant file's
 * override), no password in the text unless the ISP asks for it, one failed send reported
 * without stopping the others, and the ISP's smtp section with its defaults.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sendWelcomeMails } from '../../src/app/welcome-mail.js';
import { makePlan } from '../../src/core/make-plan.js';
import { CredentialDeriver } from '../../src/credentials/credentials.js';
import type { DirectoryUser } from '../../src/model/directory-user.js';
import type { PbxTenantState } from '../../src/model/pbx-state.js';
import type { Plan } from '../../src/model/plan.js';
import { EMPTY_STORED_STATE, type StoredTenantState } from '../../src/model/stored-state.js';
import type { TenantConfig } from '../../src/model/tenant-config.js';
import { ispPolicyFromText } from '../../src/policy/load-isp-config.js';
import { minimalPdf } from '../../src/welcome/card-renderer.js';
import { askedTargets, changedTargets } from '../../src/welcome/recipients.js';
import { redact, type MailSender, type OutgoingMail } from '../../src/welcome/smtp-sender.js';
import { welcomeText } from '../../src/welcome/welcome-message.js';
import { KEY_ID, applyPlan, config, emptyPbx, fakeCredentials, override, user } from '../support/builders.js';

function plan(cfg: TenantConfig, directory: DirectoryUser[], pbx: PbxTenantState = emptyPbx(), stored: StoredTenantState = EMPTY_STORED_STATE): Plan {
  return makePlan({ config: cfg, directory, pbx, stored, credentials: fakeCredentials, keyId: KEY_ID });
}

const alice = user('Alice Adams');
const bob = user('Bob Brown');
const carol = user('Carol Clark');
const names = (p: Plan) => changedTargets(p).map((t) => `${t.reason}:${t.account.upn}`);

describe('welcome recipients', () => {
  it('joiners, then nobody, then a rotated user; renames and returning leavers get nothing', () => {
    const first = plan(config(), [carol, alice, bob]);
    expect(names(first)).toEqual(['joiner:alice.adams@acme.com', 'joiner:bob.brown@acme.com', 'joiner:carol.clark@acme.com']);
    const pbx1 = applyPlan(emptyPbx(), first);

    expect(names(plan(config(), [carol, alice, bob], pbx1, first.nextState))).toEqual([]);
    const renamed = plan(config(), [carol, { ...alice, displayName: 'Alice Adams-Smith' }, bob], pbx1, first.nextState);
    expect(renamed.changes.length).toBeGreaterThan(0);
    expect(names(renamed)).toEqual([]);

    const rotated = plan(config({ users: [override('bob.brown@acme.com', { generation: 2 })] }), [carol, alice, bob], pbx1, first.nextState);
    expect(names(rotated)).toEqual(['rotated:bob.brown@acme.com']);

    const left = plan(config(), [alice, bob], pbx1, first.nextState);
    const pbx2 = applyPlan(pbx1, left);
    const back = plan(config(), [carol, alice, bob], pbx2, left.nextState);
    expect(back.changes.some((c) => c.entity === 'subscriber' && c.kind === 'update' && c.after.upn === 'carol.clark@acme.com')).toBe(true);
    expect(names(back)).toEqual([]);

    // A PBX rebuilt from the record: same usernames and passwords, so no mail.
    const rebuilt = plan(config(), [carol, alice, bob], emptyPbx(), first.nextState);
    expect(rebuilt.summary.create).toBe(3);
    expect(names(rebuilt)).toEqual([]);
  });

  it('--user finds accounts by UPN or object id, case-insensitively, and names the unknown', () => {
    const p = plan(config(), [alice, bob]);
    const asked = askedTargets(p, ['BOB.BROWN@acme.com', alice.id.toUpperCase(), 'nobody@acme.com']);
    expect(asked.targets.map((t) => t.account.upn)).toEqual(['alice.adams@acme.com', 'bob.brown@acme.com']);
    expect(asked.unknown).toEqual(['nobody@acme.com']);
    expect(askedTargets(p, 'all').targets).toHaveLength(2);
  });
});

describe('welcome mails', () => {
  const masterKey = randomBytes(32);
  const credentials = new CredentialDeriver(masterKey, 'acme', 'acme.com');
  const setup = { registrar: 'sip.acme.com', transport: 'tls' as const, port: 5061 };

  it('the text names the account but holds no password unless the ISP asks', () => {
    const p = plan(config(), [alice]);
    const a = p.accounts[0]!;
    const { sipPassword, softphonePassword } = credentials.derive(a);
    const row = {
      displayName: 'Alice\nAdams',
      upn: a.upn,
      email: '',
      extension: '1001',
      username: a.username,
      domain: 'acme.com',
      sipPassword,
      softphonePassword,
      department: '',
      status: 'new' as const,
    };
    const plain = welcomeText(row, 'joiner', { tenant: 'acme', subject: 'Hi', setup, passwordInBody: false });
    expect(plain.text).toContain('Hello Alice Adams,');
    expect(plain.text).toContain('Registrar:     sip.acme.com, port 5061, TLS');
    expect(plain.text).not.toContain(sipPassword);
    expect(plain.text).not.toContain(softphonePassword);
    expect(plain.attachmentName).toBe('alice.adams-phone-card.pdf');
    const withPasswords = welcomeText(row, 'rotated', { tenant: 'acme', subject: 'Hi', setup, passwordInBody: true });
    expect(withPasswords.text).toContain(`SIP password:  ${sipPassword}`);
    expect(withPasswords.text).toContain('have changed');
  });

  it('goes to the directory mail, not the override; one failure does not stop the others', async () => {
    const cfg = config({ users: [override('alice.adams@acme.com', { email: 'attacker@evil.example' })] });
    const directory = [alice, bob, carol, user('No Mail', 'no.mail@acme.com', { mail: null })];
    const p = plan(cfg, directory);
    const sent: OutgoingMail[] = [];
    const sender: MailSender = {
      send: async (m) => {
        sent.push(m);
        return m.to === bob.mail ? { ok: false, error: redact(`550 refused ${m.secrets[0]}`, m.secrets) } : { ok: true };
      },
      close: () => undefined,
    };
    const lines = await sendWelcomeMails({ config: cfg, plan: p, credentials, directory, smtp: null, env: {} }, changedTargets(p), {
      dryRun: false,
      sender,
      renderCard: async (u) => minimalPdf([`card of ${u.username}`]),
    });
    expect(lines.map((l) => [l.upn, l.to, l.outcome])).toEqual([
      ['alice.adams@acme.com', 'alice.adams@acme.com', 'sent'],
      ['bob.brown@acme.com', 'bob.brown@acme.com', 'failed'],
      ['carol.clark@acme.com', 'carol.clark@acme.com', 'sent'],
      ['no.mail@acme.com', null, 'skipped'],
    ]);
    expect(lines[1]!.detail).toBe('550 refused [redacted]');
    expect(sent.map((m) => m.to)).toEqual(['alice.adams@acme.com', 'bob.brown@acme.com', 'carol.clark@acme.com']);
    expect(sent[0]!.attachment.content.toString('latin1')).toContain('(card of alice.adams)');
  });

  it('a dry run needs no SMTP server; a real run without one is refused', async () => {
    const p = plan(config(), [alice]);
    const input = { config: config(), plan: p, credentials, directory: [alice], smtp: null, env: {} };
    expect((await sendWelcomeMails(input, changedTargets(p), { dryRun: true })).map((l) => l.outcome)).toEqual(['would-send']);
    await expect(sendWelcomeMails(input, changedTargets(p), { dryRun: false })).rejects.toThrow('no SMTP server is configured');
  });
});

describe('the ISP smtp section', () => {
  const isp = (yaml: string) => ispPolicyFromText(yaml, 'isp.yaml', '/etc/pbxsync/isp.yaml', {});
  it('defaults to STARTTLS on 587, 465 for tls; no password in the body', () => {
    expect(isp('smtp: { host: smtp.example.net, from: a@example.net }').smtp).toEqual({
      host: 'smtp.example.net',
      port: 587,
      security: 'starttls',
      from: 'a@example.net',
      timeoutMs: 30000,
      passwordInBody: false,
    });
    expect(isp('smtp: { host: smtp.example.net, from: a@example.net, security: tls, user: u, password_env: SMTP_PW }').smtp).toMatchObject({
      port: 465,
      user: 'u',
      passwordEnv: 'SMTP_PW',
    });
    expect(() => isp('smtp: { host: smtp.example.net, from: a@example.net, password: hunter2 }')).toThrow(/isp\.yaml:1:\d+/);
    expect(() => isp('smtp: { host: smtp.example.net, from: a@example.net, security: none }')).toThrow(/security/);
  });
});
