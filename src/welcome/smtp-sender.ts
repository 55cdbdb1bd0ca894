/**
 * Sends welcome e-mails through the ISP's SMTP server with nodemailer: STARTTLS required (or
 * TLS from the start), the server's certificate checked against the system's CAs plus the
 * configured one, AUTH when a user is configured. One connection per message, so a failure
 * for one address (refused mailbox, dropped connection) is that address's alone. No secret
 * reaches an error message: every text is cleaned of the passwords before it is returned.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import nodemailer from 'nodemailer';
import { UserError } from '../errors.js';
import type { SmtpConfig } from '../policy/isp-policy.js';

export interface OutgoingMail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly attachment: { readonly filename: string; readonly content: Buffer };
  /** Strings that must not show in any error about this mail (the user's passwords). */
  readonly secrets: readonly string[];
}

type SendOutcome = { readonly ok: true } | { readonly ok: false; readonly error: string };

export interface MailSender {
  send(mail: OutgoingMail): Promise<SendOutcome>;
  close(): void;
}

export function smtpSender(config: SmtpConfig, env: NodeJS.ProcessEnv): MailSender {
  const password = smtpPassword(config, env);
  const ca = config.caFile === undefined ? undefined : [...rootCertificates, readCa(config.caFile)];
  const transport = nodemailer.createTransport({
    host: config.host,
    port: config.port,
    secure: config.security === 'tls',
    requireTLS: config.security === 'starttls',
    ...(config.user !== undefined ? { auth: { user: config.user, pass: password ?? '' } } : {}),
    // SNI takes host names only; the certificate is checked against the host either way.
    tls: { minVersion: 'TLSv1.2', ...(isIP(config.host) === 0 ? { servername: config.host } : {}), ...(ca ? { ca } : {}) },
    connectionTimeout: config.timeoutMs,
    greetingTimeout: config.timeoutMs,
    socketTimeout: config.timeoutMs,
    logger: false,
    debug: false,
  });
  return {
    async send(mail) {
      try {
        await transport.sendMail({
          from: config.from,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          attachments: [{ filename: mail.attachment.filename, content: mail.attachment.content, contentType: 'application/pdf' }],
        });
        return { ok: true };
      } catch (err) {
        return { ok: false, error: redact(describe(err), [...mail.secrets, ...(password ? [password] : [])]) };
      }
    },
    close: () => transport.close(),
  };
}

function smtpPassword(config: SmtpConfig, env: NodeJS.ProcessEnv): string | undefined {
  if (config.user === undefined) return undefined;
  const name = config.passwordEnv;
  const value = name === undefined ? undefined : env[name];
  if (value === undefined || value === '') {
    throw new UserError(
      name === undefined
        ? 'smtp.user is set but smtp.password_env is not: no SMTP password'
        : `the SMTP password variable ${name} (smtp.password_env) is not set`,
      name === undefined
        ? 'name the environment variable that holds the password in smtp.password_env of the ISP configuration'
        : `export ${name} with the SMTP password of ${config.user}`,
    );
  }
  return value;
}

function readCa(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read smtp.ca_file ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, 'check the path in the ISP configuration');
  }
}

/** nodemailer's errors carry the server's answer (`response`) and a code; that is what an operator needs. */
function describe(err: unknown): string {
  const e = err as { message?: string; code?: string; responseCode?: number; response?: string };
  const text = e.response ?? e.message ?? String(err);
  return [e.code, text.replace(/\s+/g, ' ').trim()].filter(Boolean).join(': ');
}

export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('[redacted]');
  return out;
}
