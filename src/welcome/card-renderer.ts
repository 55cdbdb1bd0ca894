/**
 * How a welcome e-mail gets the user's setup card: a function from the user's spreadsheet row
 * (derived credentials included) to the card's PDF. The mailer takes it as a parameter, so the
 * real card renderer plugs in without the mailer knowing how cards are drawn.
 */
import type { SpreadsheetPhoneSetup, SpreadsheetRow } from '../spreadsheet/spreadsheet-row.js';

export type RenderCard = (user: SpreadsheetRow) => Promise<Buffer>;

/**
 * A stand-in card until the setup-card renderer is wired in: one A4 page of plain text in a
 * minimal PDF (Helvetica, WinAnsi: characters outside Latin-1 show as '?').
 */
export function plainTextCard(tenant: string, setup: SpreadsheetPhoneSetup): RenderCard {
  return async (u) =>
    minimalPdf([
      `Phone account at ${tenant}`,
      '',
      `Name: ${u.displayName}`,
      `Extension: ${u.extension}`,
      `SIP username: ${u.username}`,
      `SIP domain: ${u.domain}`,
      `SIP password: ${u.sipPassword}`,
      `Softphone password: ${u.softphonePassword}`,
      `Registrar: ${setup.registrar}:${setup.port} (${setup.transport})${setup.outboundProxy ? `, outbound proxy ${setup.outboundProxy}` : ''}`,
      '',
      'Keep this card to yourself: it holds your passwords.',
    ]);
}

function pdfString(text: string): string {
  const latin1 = [...text].map((ch) => (ch.charCodeAt(0) < 256 && ch.charCodeAt(0) >= 32 ? ch : '?')).join('');
  return `(${latin1.replace(/[\\()]/g, (c) => `\\${c}`)})`;
}

export function minimalPdf(lines: readonly string[]): Buffer {
  const text = ['BT', '/F1 12 Tf', '16 TL', '56 780 Td', ...lines.map((l) => `${pdfString(l)} '`), 'ET'].join('\n');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
    `<< /Length ${Buffer.byteLength(text, 'latin1')} >>\nstream\n${text}\nendstream`,
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(Buffer.byteLength(body, 'latin1'));
    body += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = Buffer.byteLength(body, 'latin1');
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}
