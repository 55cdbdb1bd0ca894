/**
 * `plan --json` and saved plans: JSON.stringify escapes C0 controls but leaves DEL, C1, bidi,
 * zero-width characters and U+2028/U+2029 raw. `terminalSafeJson` escapes those too, and the
 * document still parses to the same value, so its signature still verifies.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { planDocumentText } from '../../src/app/saved-plan.js';
import { planSigningKey, verifyBody } from '../../src/plan-file/plan-signature.js';
import { terminalSafeJson } from '../../src/render/json-text.js';
import { config } from '../support/builders.js';
import { ALL_HOSTILE, HOSTILE, firstUnsafe, fullPlan, poisoned } from '../support/hostile.js';

const key = randomBytes(32);
const document = planDocumentText(poisoned(fullPlan(), ALL_HOSTILE), config(), key);

describe('the plan document as JSON text', () => {
  it('has no raw C0 control (ESC, CR, BEL, BS…): JSON.stringify escapes them', () => {
    expect(document).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    expect(document).toContain('\\u001b]52;c;');
  });

  it('has no raw bidi, zero-width or C1 character either: planDocumentText escapes them', () => {
    expect(firstUnsafe(document)).toBeNull();
    for (const ch of ['\u202e', '\u200b', '\u2028', '\u009b', '\u007f']) expect(document).not.toContain(ch);
    expect(terminalSafeJson(document)).toBe(document);
  });

  it('terminalSafeJson leaves none of them raw, and the signature still verifies', () => {
    const safe = terminalSafeJson(document);
    expect(firstUnsafe(safe)).toBeNull();
    for (const escaped of ['\\u202e', '\\u200b', '\\u2028', '\\u009b', '\\u007f']) expect(safe).toContain(escaped);
    const { signature, ...body } = JSON.parse(safe) as Record<string, unknown>;
    expect(body).toEqual((({ signature: _s, ...rest }) => rest)(JSON.parse(document) as Record<string, unknown>));
    expect(verifyBody(body, signature as string, planSigningKey(key))).toBe(true);
    expect(JSON.parse(safe).tenant).toBe(`acme${ALL_HOSTILE}`);
    expect(safe).toContain(HOSTILE.mention); // Markdown characters are plain text in JSON
  });
});
