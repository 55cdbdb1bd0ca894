/**
 * Setup cards as PDF: one printable page per person, with their account, passwords, where the
 * phone registers, a QR code that sets up the softphone, and short steps for a softphone, a
 * webphone and a desk phone. Deterministic: the same cards give the same bytes (fixed dates,
 * no random ids), so a rerun leaves unchanged files as they were.
 */
import PDFDocument from 'pdfkit';
import { qrMatrix, type QrMatrix } from './qr-matrix.js';
import type { CardOptions, SetupCard } from './setup-card.js';
import { visualRuns } from './visual-runs.js';

/** A fixed date: the PDF's dates and file id derive from it, so reruns do not churn. */
const FIXED_DATE = new Date(Date.UTC(2000, 0, 1));
const MARGIN = 50;

/** One person's card: a one-page PDF. */
export function renderCardPdf(card: SetupCard, options: CardOptions): Promise<Buffer> {
  return renderCardsPdf([card], options);
}

/** The tenant's cards: one page per person, in the given order. */
export async function renderCardsPdf(cards: readonly SetupCard[], options: CardOptions): Promise<Buffer> {
  const codes = cards.map((c) => ({
    linphone: c.provisioningUrl ? qrMatrix(c.provisioningUrl) : null,
    acrobits: c.acrobitsCode ? qrMatrix(c.acrobitsCode) : null,
  }));
  const doc = new PDFDocument({
    size: options.paper === 'Letter' ? 'LETTER' : 'A4',
    margin: MARGIN,
    autoFirstPage: false,
    info: {
      Title: cards.length === 1 ? `Phone setup: ${cards[0]!.displayName}` : `Phone setup: ${options.tenant}`,
      Creator: 'pbxsync',
      Producer: 'pbxsync',
      CreationDate: FIXED_DATE,
      ModDate: FIXED_DATE,
    },
  });
  doc.registerFont('regular', options.fonts.regular);
  doc.registerFont('bold', options.fonts.bold);
  doc.registerFont('mono', options.fonts.mono);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    doc.on('end', resolve);
    doc.on('error', reject);
  });
  cards.forEach((card, i) => drawCard(doc, card, codes[i]!, options));
  if (cards.length === 0) doc.addPage().font('regular').fontSize(12).text('No active users.');
  doc.end();
  await done;
  return Buffer.concat(chunks);
}

type Doc = InstanceType<typeof PDFDocument>;

function drawCard(doc: Doc, card: SetupCard, codes: { linphone: QrMatrix | null; acrobits: QrMatrix | null }, options: CardOptions): void {
  doc.addPage();
  const width = doc.page.width - 2 * MARGIN;
  doc.font('regular').fontSize(10).fillColor('#555555').text(`${options.tenant} · ${card.domain}`, MARGIN, MARGIN);
  doc.moveDown(0.3).font('bold').fontSize(20).fillColor('black');
  line(doc, card.displayName || card.username);
  doc.font('regular').fontSize(12).text(`Extension ${card.extension}`);
  doc.moveDown(0.8);
  const top = doc.y;
  drawFields(doc, card, top);
  // The codes' captions move doc.y: the steps start below whichever column is longer.
  const fieldsEnd = doc.y;
  const qrSize = 150;
  const qrX = MARGIN + width - qrSize;
  if (codes.linphone) drawCode(doc, codes.linphone, qrX, top, qrSize, 'Linphone: scan to set up');
  if (codes.acrobits) drawCode(doc, codes.acrobits, qrX, top + qrSize + 30, qrSize, 'Groundwire / Acrobits');
  doc.x = MARGIN;
  doc.y = Math.max(fieldsEnd, top + (codes.acrobits ? 2 : codes.linphone ? 1 : 0) * (qrSize + 30)) + 16;
  drawSteps(doc, card, width);
  doc
    .font('regular')
    .fontSize(8)
    .fillColor('#555555')
    .text('Keep this page private: it holds your passwords. Give each person only their own card.', MARGIN, doc.page.height - MARGIN - 12, {
      width,
      lineBreak: false,
    });
  doc.fillColor('black');
}

/** A line that may hold right-to-left text: drawn run by run in visual order. */
function line(doc: Doc, text: string): void {
  const runs = visualRuns(text);
  runs.forEach((run, i) => doc.text(run.text, { continued: i < runs.length - 1 }));
}

function drawFields(doc: Doc, card: SetupCard, top: number): void {
  const rows: [string, string, boolean][] = [
    ['SIP username', card.username, false],
    ['SIP domain', card.domain, false],
    ['SIP password', card.sipPassword, true],
    ['Registrar', card.registrar, false],
    ...(card.outboundProxy ? ([['Outbound proxy', card.outboundProxy, false]] as [string, string, boolean][]) : []),
    ['Transport', card.transport.toUpperCase(), false],
    ['Port', String(card.port), false],
    ['Softphone / webphone password', card.softphonePassword, true],
  ];
  let y = top;
  for (const [label, value, secret] of rows) {
    doc.font('regular').fontSize(9).fillColor('#555555').text(label, MARGIN, y);
    doc
      .font(secret ? 'mono' : 'regular')
      .fontSize(secret ? 13 : 12)
      .fillColor('black')
      .text(value, MARGIN, y + 11, { width: 300 });
    y += 34;
  }
  doc.y = y;
}

/** The code with a quiet zone of 4 modules (what scanners expect), in black squares on white. */
function drawCode(doc: Doc, qr: QrMatrix, x: number, y: number, size: number, caption: string): void {
  const module = size / (qr.size + 8);
  doc.save().rect(x, y, size, size).fill('white').fillColor('black');
  for (let row = 0; row < qr.size; row++) {
    for (let col = 0; col < qr.size; col++) {
      if (qr.dark(col, row)) doc.rect(x + (col + 4) * module, y + (row + 4) * module, module, module);
    }
  }
  doc.fill('black').restore();
  doc
    .font('regular')
    .fontSize(9)
    .fillColor('black')
    .text(caption, x, y + size + 2, { width: size, align: 'center' });
}

function drawSteps(doc: Doc, card: SetupCard, width: number): void {
  const account = `${card.username}@${card.domain}`;
  const server = `${card.registrar}${card.port === defaultPort(card.transport) ? '' : `:${card.port}`}`;
  const sections: [string, string[]][] = [
    [
      'Softphone (Linphone, on a mobile or a computer)',
      card.provisioningUrl
        ? [
            'Install Linphone and open it.',
            'Choose "Fetch remote configuration" (Assistant) and scan the Linphone code above, or type its address:',
            card.provisioningUrl,
            'The account registers by itself; you are done.',
          ]
        : [
            'Install a SIP softphone (e.g. Linphone) and add a SIP account.',
            `Username ${card.username}, password: the SIP password, domain ${card.domain}, transport ${card.transport.toUpperCase()}.`,
          ],
    ],
    [
      'Webphone',
      card.webphoneUrl
        ? [`Open ${card.webphoneUrl} in your browser.`, `Sign in as ${account} with the softphone / webphone password.`]
        : [`Sign in to your provider's webphone as ${account} with the softphone / webphone password.`],
    ],
    [
      'Desk phone',
      [
        "Your admin usually provisions desk phones for you. To set one up by hand, open the phone's web page (its IP address, shown in its network menu), then Account 1:",
        `Register name / user ID / authentication name: ${card.username}; password: the SIP password; SIP server: ${server}; transport ${card.transport.toUpperCase()}${card.outboundProxy ? `; outbound proxy: ${card.outboundProxy}` : ''}.`,
      ],
    ],
  ];
  for (const [title, steps] of sections) {
    doc.font('bold').fontSize(12).fillColor('black').text(title, MARGIN, doc.y, { width });
    doc.font('regular').fontSize(10);
    steps.forEach((s, i) => doc.text(`${i + 1}. ${s}`, MARGIN + 10, doc.y, { width: width - 10 }));
    doc.moveDown(0.6);
  }
}

function defaultPort(transport: SetupCard['transport']): number {
  return transport === 'tls' ? 5061 : transport === 'wss' ? 443 : 5060;
}
