/**
 * The text of a welcome e-mail. The passwords are on the attached card only, unless the ISP
 * configuration says `smtp.password_in_body: true`. Pure.
 */
import type { SpreadsheetPhoneSetup, SpreadsheetRow } from '../spreadsheet/spreadsheet-row.js';
import type { WelcomeReason } from './recipients.js';

export interface WelcomeText {
  readonly subject: string;
  readonly text: string;
  readonly attachmentName: string;
}

export function welcomeText(
  row: SpreadsheetRow,
  reason: WelcomeReason,
  ctx: { tenant: string; subject: string; setup: SpreadsheetPhoneSetup; passwordInBody: boolean },
): WelcomeText {
  const { setup } = ctx;
  const why =
    reason === 'rotated'
      ? `the passwords of your phone account at ${ctx.tenant} have changed: phones still using the old ones stop working`
      : `your phone account at ${ctx.tenant} is ready`;
  const lines = [
    `Hello ${oneLine(row.displayName)},`,
    '',
    `${why}.`,
    '',
    `Extension:     ${row.extension}`,
    `SIP username:  ${row.username}`,
    `SIP domain:    ${row.domain}`,
    `Registrar:     ${setup.registrar}, port ${setup.port}, ${setup.transport.toUpperCase()}`,
    ...(setup.outboundProxy ? [`Outbound proxy: ${setup.outboundProxy}`] : []),
    ...(ctx.passwordInBody ? [`SIP password:  ${row.sipPassword}`, `Softphone password: ${row.softphonePassword}`] : []),
    '',
    ctx.passwordInBody
      ? 'The attached card (PDF) has the same details, to keep with your phone.'
      : 'Your passwords are on the attached card (PDF), with these settings.',
    'Keep it to yourself, and delete this mail once your phone is set up.',
    '',
  ];
  return { subject: ctx.subject, text: lines.join('\n'), attachmentName: `${row.username}-phone-card.pdf` };
}

function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}
