/**
 * The SMTP sender against real servers on loopback (python3-aiosmtpd): a server that offers
 * no STARTTLS gets no mail (nor the password), a wrong password is refused with an error that
 * names no secret, and the right one delivers over STARTTLS.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SmtpConfig } from '../../src/policy/isp-policy.js';
import { minimalPdf } from '../../src/welcome/card-renderer.js';
import { smtpSender, type OutgoingMail } from '../../src/welcome/smtp-sender.js';
import { startSmtpServer, type SmtpServer } from '../support/smtp-server.js';

let tls: SmtpServer;
let plain: SmtpServer;

beforeAll(async () => {
  [tls, plain] = await Promise.all([startSmtpServer(), startSmtpServer({ noStarttls: true })]);
});

afterAll(async () => {
  await Promise.all([tls?.stop(), plain?.stop()]);
});

const config = (server: SmtpServer): SmtpConfig => ({
  host: '127.0.0.1',
  port: server.port,
  security: 'starttls',
  user: server.user,
  passwordEnv: 'SMTP_PW',
  from: 'noreply@voice.example.net',
  caFile: server.caFile,
  timeoutMs: 10_000,
  passwordInBody: false,
});
const mail: OutgoingMail = {
  to: 'alice@acme.com',
  subject: 'Welcome',
  text: 'Hello',
  attachment: { filename: 'alice-phone-card.pdf', content: minimalPdf(['card']) },
  secrets: ['alice-sip-secret'],
};

describe('smtpSender', () => {
  it('delivers over STARTTLS with AUTH', async () => {
    const sender = smtpSender(config(tls), { SMTP_PW: tls.password });
    try {
      expect(await sender.send(mail)).toEqual({ ok: true });
    } finally {
      sender.close();
    }
    expect(tls.received().map((m) => [m.envelope_to, m.attachments[0]?.filename])).toEqual([[['alice@acme.com'], 'alice-phone-card.pdf']]);
  });

  it('a wrong password is refused, and the error names no secret', async () => {
    const wrong = 'not-the-smtp-password-123';
    const sender = smtpSender(config(tls), { SMTP_PW: wrong });
    try {
      const r = await sender.send(mail);
      expect(r.ok).toBe(false);
      const error = r.ok ? '' : r.error;
      expect(error).toMatch(/EAUTH/);
      expect(error).not.toContain(wrong);
      expect(error).not.toContain('alice-sip-secret');
    } finally {
      sender.close();
    }
    expect(tls.received()).toHaveLength(1);
  });

  it('a server without STARTTLS gets nothing: not the mail, not the password', async () => {
    const sender = smtpSender(config(plain), { SMTP_PW: plain.password });
    try {
      const r = await sender.send(mail);
      expect(r.ok).toBe(false);
      expect(r.ok ? '' : r.error).toMatch(/STARTTLS|TLS/i);
    } finally {
      sender.close();
    }
    expect(plain.received()).toEqual([]);
  });

  it('a missing password variable is a clear error before any connection', () => {
    expect(() => smtpSender(config(tls), {})).toThrow('the SMTP password variable SMTP_PW (smtp.password_env) is not set');
  });
});
