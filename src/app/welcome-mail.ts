/**
 * Welcome e-mails for an apply's joiners and rotated users, or for users asked for by name:
 * each gets their own card (PDF) at the mail address the directory gives them. The address
 * comes from the directory only, never from the tenant file's `email:` override: a pull
 * request must not be able to send someone's passwords elsewhere. A dry run says who would
 * get what and sends nothing; a failure for one address is reported and the others go on.
 */
import type { DirectoryUser } from '../model/directory-user.js';
import type { CredentialDeriver } from '../credentials/credentials.js';
import { UserError } from '../errors.js';
import type { Plan } from '../model/plan.js';
import type { TenantConfig } from '../model/tenant-config.js';
import type { SmtpConfig } from '../policy/isp-policy.js';
import type { SpreadsheetRow } from '../spreadsheet/spreadsheet-row.js';
import { plainTextCard, type RenderCard } from '../welcome/card-renderer.js';
import { cardOptions } from '../cards/card-options.js';
import { renderCardPdf } from '../cards/render-card.js';
import { setupCards } from '../cards/setup-cards.js';
import type { AccountView } from '../model/plan.js';
import type { WelcomeTarget } from '../welcome/recipients.js';
import { smtpSender, type MailSender } from '../welcome/smtp-sender.js';
import { welcomeText } from '../welcome/welcome-message.js';
import { accountRow } from './spreadsheet-rows.js';
import { terminalText } from '../render/safe-text.js';

type WelcomeOutcome = 'sent' | 'would-send' | 'failed' | 'skipped';

export interface WelcomeLine {
  readonly name: string;
  readonly upn: string;
  readonly to: string | null;
  readonly attachment: string;
  readonly reason: WelcomeTarget['reason'];
  readonly outcome: WelcomeOutcome;
  /** Why it failed or was skipped; never holds a password. */
  readonly detail?: string;
}

export interface WelcomeInput {
  readonly config: TenantConfig;
  readonly plan: Plan;
  readonly credentials: CredentialDeriver;
  readonly directory: readonly DirectoryUser[];
  readonly smtp: SmtpConfig | null;
  readonly env: NodeJS.ProcessEnv;
  /** The master key: with it, the attachment is the user's setup card (src/cards), as `pbxsync cards` makes it. */
  readonly key?: { readonly key: Buffer };
  readonly acrobitsCloudId?: string;
}

export interface WelcomeOptions {
  readonly dryRun: boolean;
  /** The card's PDF; default: the user's setup card (with `key`), else a plain-text stand-in (see card-renderer.ts). */
  readonly renderCard?: RenderCard;
  /** For tests: the transport; default the ISP's SMTP server. */
  readonly sender?: MailSender;
}

export async function sendWelcomeMails(input: WelcomeInput, targets: readonly WelcomeTarget[], options: WelcomeOptions): Promise<WelcomeLine[]> {
  const { config, plan, credentials, smtp } = input;
  if (targets.length === 0) return [];
  if (smtp === null && !options.dryRun && options.sender === undefined) {
    throw new UserError(
      'no SMTP server is configured for welcome e-mails',
      'add smtp (host, from, and user/password_env if it needs AUTH) to the ISP configuration named by PBXSYNC_ISP_CONFIG',
    );
  }
  const setup = config.spreadsheet.phoneSetup;
  const fallback = options.renderCard ?? plainTextCard(config.name, setup);
  const key = input.key?.key;
  const renderFor = (account: AccountView): RenderCard => {
    if (options.renderCard !== undefined || key === undefined) return fallback;
    return async () => {
      const entry = setupCards([account], config, credentials, key, input.acrobitsCloudId)[0];
      if (entry === undefined) throw new Error('the account is not active');
      return renderCardPdf(entry.card, cardOptions(config));
    };
  };
  const mail = new Map(input.directory.map((u) => [u.id.toLowerCase(), u.mail]));
  const sender = options.dryRun ? null : (options.sender ?? smtpSender(smtp!, input.env));
  const lines: WelcomeLine[] = [];
  try {
    for (const target of targets) {
      const row = accountRow(plan, credentials, target.account, target.reason === 'joiner' ? 'new' : target.reason === 'rotated' ? 'updated' : 'unchanged');
      const text = welcomeText(row, target.reason, {
        tenant: config.name,
        subject: config.welcome.subject,
        setup,
        passwordInBody: smtp?.passwordInBody ?? false,
      });
      const to = mail.get(target.account.objectId.toLowerCase()) ?? null;
      const base = { name: row.displayName, upn: row.upn, to, attachment: text.attachmentName, reason: target.reason };
      if (to === null || to === '') {
        lines.push({
          ...base,
          to: null,
          outcome: 'skipped',
          detail:
            input.directory.length === 0 ? 'the directory was not read (a saved plan): no mail address' : 'the directory has no mail address for this user',
        });
        continue;
      }
      if (sender === null) {
        lines.push({ ...base, outcome: 'would-send' });
        continue;
      }
      lines.push({ ...base, ...(await deliver(sender, to, text, row, renderFor(target.account))) });
    }
  } finally {
    sender?.close();
  }
  return lines;
}

async function deliver(
  sender: MailSender,
  to: string,
  text: ReturnType<typeof welcomeText>,
  row: SpreadsheetRow,
  render: RenderCard,
): Promise<{ outcome: WelcomeOutcome; detail?: string }> {
  const secrets = [row.sipPassword, row.softphonePassword];
  let pdf: Buffer;
  try {
    pdf = await render(row);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { outcome: 'failed', detail: `the card could not be made: ${secrets.reduce((m, s) => m.split(s).join('[redacted]'), message)}` };
  }
  const result = await sender.send({ to, subject: text.subject, text: text.text, attachment: { filename: text.attachmentName, content: pdf }, secrets });
  return result.ok ? { outcome: 'sent' } : { outcome: 'failed', detail: result.error };
}

/** One line per mail, for the terminal (no password in any). */
export function welcomeReport(lines: readonly WelcomeLine[], dryRun: boolean): string {
  if (lines.length === 0) return dryRun ? 'Welcome e-mails: nobody to mail.\n' : '';
  const verb: Record<WelcomeOutcome, string> = { sent: 'sent', 'would-send': 'would send', failed: 'FAILED', skipped: 'skipped' };
  const out = lines.map((l) =>
    terminalText(`  ${verb[l.outcome]}: ${l.name} <${l.to ?? l.upn}> (${l.reason}), card ${l.attachment}${l.detail ? `: ${l.detail}` : ''}`),
  );
  const count = (o: WelcomeOutcome) => lines.filter((l) => l.outcome === o).length;
  const head = dryRun
    ? `Welcome e-mails (dry run, nothing sent): ${count('would-send')} would be sent, ${count('skipped')} skipped.`
    : `Welcome e-mails: ${count('sent')} sent, ${count('failed')} failed, ${count('skipped')} skipped.`;
  return `${head}\n${out.join('\n')}\n`;
}
