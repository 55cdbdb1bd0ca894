import { describe, expect, it } from 'vitest';
import { cardFonts } from '../../src/cards/fonts.js';
import { renderCardPdf, renderCardsPdf } from '../../src/cards/render-card.js';
import type { SetupCard } from '../../src/cards/setup-card.js';
import { visualRuns } from '../../src/cards/visual-runs.js';
import { acrobitsCode } from '../../src/provisioning/acrobits-code.js';
import { linphoneXml } from '../../src/provisioning/linphone-xml.js';
import { provisioningToken, provisioningUrl } from '../../src/provisioning/provisioning-token.js';

const card: SetupCard = {
  objectId: '00000000-0000-4000-8000-000000000001',
  displayName: 'Zoë "Z" <Ångström> & Co',
  extension: '1001',
  username: 'zoe',
  domain: 'acme.com',
  sipPassword: 'ABCDEFGHJKLMNPQRSTUV',
  softphonePassword: 'abcdefghijkmnopqrstu',
  registrar: 'sip.acme.com',
  outboundProxy: 'edge.acme.com:5070',
  transport: 'tls',
  port: 5061,
  provisioningUrl: 'https://prov.example/linphone/0123.xml',
};
const options = { paper: 'A4' as const, tenant: 'acme', fonts: cardFonts() };

describe('right-to-left text in display order', () => {
  it('leaves left-to-right text as one run', () => {
    expect(visualRuns('Zoë Ångström')).toEqual([{ text: 'Zoë Ångström', rtl: false }]);
  });

  it('reverses the words of a right-to-left name (each word is shaped right to left)', () => {
    expect(visualRuns('דוד כהן').map((r) => r.text)).toEqual(['כהן', ' ', 'דוד']);
  });

  it('puts a left-to-right part of a right-to-left name where it shows, and mirrors brackets', () => {
    expect(visualRuns('محمد علي (Sales)').map((r) => r.text)).toEqual(['(', 'Sales', ')', ' ', 'علي', ' ', 'محمد']);
  });
});

describe('provisioning names and codes', () => {
  const key = Buffer.alloc(32, 1);
  it('a token is 32 hex digits, the same on every run, new with a new generation or key', () => {
    const t = provisioningToken(key, 'acme', card.objectId, 1);
    expect(t).toMatch(/^[0-9a-f]{32}$/);
    expect(provisioningToken(key, 'acme', card.objectId.toUpperCase(), 1)).toBe(t);
    expect(provisioningToken(key, 'acme', card.objectId, 2)).not.toBe(t);
    expect(provisioningToken(Buffer.alloc(32, 2), 'acme', card.objectId, 1)).not.toBe(t);
    expect(provisioningToken(key, 'globex', card.objectId, 1)).not.toBe(t);
    expect(provisioningUrl('https://p.example/{token}.xml', t)).toBe(`https://p.example/${t}.xml`);
  });

  it('the csc: code names the account, the softphone password and the cloud id', () => {
    expect(acrobitsCode('EXAMPLE', 'zoe', 'acme.com', 'pw')).toBe('csc:zoe@acme.com:pw@EXAMPLE');
  });

  it('the Linphone file escapes the display name and routes through the outbound proxy', () => {
    const xml = linphoneXml(card);
    expect(xml).toContain('<entry name="reg_identity" overwrite="true">&quot;Zoë Z &lt;Ångström&gt; &amp; Co&quot; &lt;sip:zoe@acme.com&gt;</entry>');
    expect(xml).toContain('<entry name="reg_route" overwrite="true">&lt;sip:edge.acme.com:5070;transport=tls;lr&gt;</entry>');
    expect(xml).toContain('<entry name="reg_proxy" overwrite="true">&lt;sip:sip.acme.com:5061;transport=tls&gt;</entry>');
    expect(xml).not.toContain(card.sipPassword);
  });
});

describe('card PDFs', () => {
  it('are the same bytes on every run, one page per card', async () => {
    const a = await renderCardPdf(card, options);
    expect(a.subarray(0, 5).toString()).toBe('%PDF-');
    expect((await renderCardPdf(card, options)).equals(a)).toBe(true);
    const all = await renderCardsPdf([card, { ...card, username: 'bob', displayName: 'Bob' }], options);
    expect(all.toString('latin1').match(/\/Type \/Page\b/g)).toHaveLength(2);
  });
});
