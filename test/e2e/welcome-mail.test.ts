/**
 * Welcome e-mails end to end: the built CLI sends through a real SMTP server on loopback
 * (Debian's python3-aiosmtpd, STARTTLS and AUTH required) one mail per joiner with that
 * user's card attached, none for unchanged users, one for a rotated user; a refused address
 * is reported while the others go; a dry run sends nothing; no password shows in any output
 * or in a mail's text.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { derivePassword } from '../../src/credentials/derive.js';
import { loadMasterKey } from '../../src/credentials/master-key.js';
import { exampleTenant, pbxsync, type CliResult } from '../support/cli.js';
import { testIspYaml, writeTestIspConfig } from '../support/isp.js';
import { startSmtpServer, type SmtpServer } from '../support/smtp-server.js';

const ALICE = '566bf9d7-c55a-45f8-91a6-e55e9b9b1325';
const REFUSED = 'yasmin.haddad@acme.com';

let smtp: SmtpServer;
let dir: string;
let env: NodeJS.ProcessEnv;
const outputs: CliResult[] = [];
const run = (...args: string[]) => {
  const r = pbxsync(args, { cwd: dir, env });
  outputs.push(r);
  return r;
};

beforeAll(async () => {
  smtp = await startSmtpServer({ reject: [REFUSED] });
  ({ dir, env } = exampleTenant());
  const isp = writeTestIspConfig(
    'isp-smtp.yaml',
    testIspYaml(
      [
        'smtp:',
        '  host: 127.0.0.1',
        `  port: ${smtp.port}`,
        '  security: starttls',
        `  user: ${smtp.user}`,
        '  password_env: TEST_SMTP_PASSWORD',
        '  from: "Acme Voice <noreply@voice.example.net>"',
        `  ca_file: ${smtp.caFile}`,
        '  timeout_seconds: 10',
      ].join('\n'),
    ),
  );
  env = { ...env, PBXSYNC_ISP_CONFIG: isp, TEST_SMTP_PASSWORD: smtp.password };
  expect(run('pbx', 'init', 'sqlite:pbx.sqlite').status).toBe(0);
});

afterAll(async () => {
  await smtp?.stop();
});

const pdf = (mail: { attachments: { base64: string }[] }) => Buffer.from(mail.attachments[0]!.base64, 'base64');
/** The attached setup card's text, as poppler's pdftotext reads it. */
const card = (mail: { attachments: { base64: string }[] }) => {
  const file = join(dir, 'attachment.pdf');
  writeFileSync(file, pdf(mail));
  const r = spawnSync('pdftotext', [file, '-'], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`pdftotext failed: ${r.stderr}`);
  return r.stdout;
};
const key = () => loadMasterKey(env).key;
const sip = (id: string, generation = 1) => derivePassword(key(), 'acme', id, generation, 'sip');
const softphone = (id: string, generation = 1) => derivePassword(key(), 'acme', id, generation, 'softphone');

describe('welcome e-mails', () => {
  let ids: Map<string, string>;

  it('apply --send-welcome mails every joiner their own card; a refused address is reported, the others go', () => {
    const dryRun = run('welcome', 'tenant.yaml', '--dry-run');
    expect(dryRun.status, dryRun.stderr).toBe(0);
    expect(dryRun.stdout).toMatch(/Welcome e-mails \(dry run, nothing sent\): 32 would be sent, 1 skipped\./);
    expect(dryRun.stdout).toContain('would send: Alice Johnson <alice.johnson@acme.com> (joiner), card alice.johnson-phone-card.pdf');
    expect(dryRun.stdout).toContain(
      'skipped: Kenji Watanabe <kenji.watanabe@acme.com> (joiner), card kenji.watanabe-phone-card.pdf: the directory has no mail address for this user',
    );
    expect(smtp.received()).toEqual([]);

    const apply = run('apply', 'tenant.yaml', '--auto-approve', '--send-welcome');
    expect(apply.stdout).toContain('Welcome e-mails: 31 sent, 1 failed, 1 skipped.');
    expect(apply.stdout).toMatch(new RegExp(`FAILED: Yasmin Haddad <${REFUSED}> \\(joiner\\), card yasmin\\.haddad-phone-card\\.pdf: .*550`));
    expect(apply.status, 'a failed mail fails the run').toBe(1);

    const mails = smtp.received();
    expect(mails).toHaveLength(31);
    expect(new Set(mails.map((m) => m.envelope_to[0])).size).toBe(31);
    expect(mails.map((m) => m.envelope_to[0])).not.toContain(REFUSED);
    const snapshot = JSON.parse(readFileSync(join(dir, 'directory.json'), 'utf8')) as { value: { id: string; mail: string }[] }[];
    ids = new Map(snapshot.flatMap((p) => p.value).map((u) => [u.mail, u.id]));
    for (const m of mails) {
      const id = ids.get(m.envelope_to[0]!)!;
      expect(m.subject).toBe('Your phone account at acme');
      expect(m.from).toContain('noreply@voice.example.net');
      expect(m.attachments).toHaveLength(1);
      expect(m.attachments[0]).toMatchObject({ type: 'application/pdf', filename: expect.stringMatching(/-phone-card\.pdf$/) });
      expect(pdf(m).subarray(0, 5).toString('latin1')).toBe('%PDF-');
      // The card carries this user's passwords; the mail's text does not.
      const text = card(m);
      expect(text).toContain(sip(id));
      expect(text).toContain(softphone(id));
      expect(m.text).not.toContain(sip(id));
      expect(m.text).not.toContain(softphone(id));
    }
    const alice = mails.find((m) => m.envelope_to[0] === 'alice.johnson@acme.com')!;
    expect(alice.text).toContain('Hello Alice Johnson,');
    expect(alice.text).toContain('SIP username:  alice.johnson');
    expect(alice.attachments[0]!.filename).toBe('alice.johnson-phone-card.pdf');
  });

  it('a run without changes mails nobody; a rotation mails just the rotated user', () => {
    const again = run('apply', 'tenant.yaml', '--auto-approve', '--send-welcome');
    expect(again.status, again.stderr).toBe(0);
    expect(smtp.received()).toHaveLength(31);

    const file = join(dir, 'tenant.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('  alice.johnson@acme.com:\n', '  alice.johnson@acme.com:\n    generation: 2\n'));
    const pending = run('welcome', 'tenant.yaml', '--user', 'alice.johnson@acme.com');
    expect(pending.status).toBe(1);
    expect(pending.stderr).toContain('the PBX does not match tenant.yaml yet');
    const dry = run('welcome', 'tenant.yaml', '--dry-run');
    expect(dry.stdout).toContain('1 would be sent');
    expect(dry.stdout).toContain('would send: Alice Johnson <alice.johnson@acme.com> (rotated)');
    expect(smtp.received()).toHaveLength(31);

    const rotate = run('apply', 'tenant.yaml', '--auto-approve', '--send-welcome');
    expect(rotate.status, rotate.stdout + rotate.stderr).toBe(0);
    expect(rotate.stdout).toContain('Welcome e-mails: 1 sent, 0 failed, 0 skipped.');
    const mails = smtp.received();
    expect(mails).toHaveLength(32);
    const last = mails[31]!;
    expect(last.envelope_to).toEqual(['alice.johnson@acme.com']);
    expect(last.text).toContain('have changed');
    expect(card(last)).toContain(sip(ALICE, 2));
  });

  it('pbxsync welcome --user mails one user again; no output ever showed a password', () => {
    const one = run('welcome', 'tenant.yaml', '--user', 'alice.johnson@acme.com');
    expect(one.status, one.stdout + one.stderr).toBe(0);
    expect(one.stdout).toContain('Welcome e-mails: 1 sent');
    expect(smtp.received()).toHaveLength(33);

    const all = outputs.map((r) => r.stdout + r.stderr).join('\n');
    const secrets = [smtp.password, sip(ALICE, 2), softphone(ALICE, 2), ...[...ids.values()].flatMap((id) => [sip(id), softphone(id)])];
    for (const s of secrets) expect(all.includes(s), 'a password in the output').toBe(false);
  });
});
