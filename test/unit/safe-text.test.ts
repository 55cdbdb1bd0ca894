import { describe, expect, it } from 'vitest';
import { terminalSafeJson } from '../../src/render/json-text.js';
import { markdownCode, markdownText } from '../../src/render/markdown-text.js';
import { quotedText, terminalLines, terminalText } from '../../src/render/safe-text.js';
import { ALL_HOSTILE, HOSTILE, firstUnsafe } from '../support/hostile.js';

describe('terminalText: the one rule for dynamic text on a terminal', () => {
  it.each(Object.entries(HOSTILE))('%s: no raw control, bidi or invisible character, no line break', (_name, h) => {
    const out = terminalText(h);
    expect(firstUnsafe(out, /(?!)/)).toBeNull();
    expect(out).not.toContain('\n');
  });

  it('shows each character as a visible \\u{hex} escape', () => {
    expect(terminalText(HOSTILE.osc52)).toBe('\\u{1b}]52;c;Y3VybCBldmlsLmV4YW1wbGV8c2g=\\u{7}');
    expect(terminalText(HOSTILE.cr)).toBe('ok\\u{d}FAKE LINE');
    expect(terminalText(HOSTILE.bs)).toBe('abc\\u{8}\\u{8}\\u{8}xyz');
    expect(terminalText(HOSTILE.csi8)).toBe('\\u{9b}2J');
    expect(terminalText(HOSTILE.bidi)).toBe('Ann \\u{202e}gnp.exe\\u{202c}');
    expect(terminalText(HOSTILE.zeroWidth)).toBe('ad\\u{200b}m\\u{200c}i\\u{200d}n\\u{2060}\\u{feff}');
    expect(terminalText(HOSTILE.separators)).toBe('line\\u{2028}para\\u{2029}end');
    expect(terminalText(HOSTILE.loneSurrogate)).toBe('half\\u{d800}pair');
    expect(terminalText(HOSTILE.tab)).toBe('tab\\u{9}here');
    expect(terminalText('\u0000\u007f\u0085\u061c\u200e\u200f\u2066\u2069\u00ad\u{e0041}')).toBe(
      '\\u{0}\\u{7f}\\u{85}\\u{61c}\\u{200e}\\u{200f}\\u{2066}\\u{2069}\\u{ad}\\u{e0041}',
    );
  });

  it('leaves printable text of any script alone', () => {
    const names = 'Zoë Ångström-Łukasz O’Brien 山田太郎 محمد Ελένη 😀 👍🏽 DOMAIN\\user <a@b.c> | `x` $5';
    expect(terminalText(names)).toBe(names);
  });

  it('terminalLines keeps line feeds (a problem and its hint) and escapes the rest, CR included', () => {
    expect(terminalLines('one\r\n  hint: \u001b]0;x\u0007two')).toBe('one\\u{d}\n  hint: \\u{1b}]0;x\\u{7}two');
  });

  it('quotedText quotes unambiguously: a literal backslash or quote is escaped, the visible escapes are not', () => {
    expect(quotedText('say "hi"\u001b')).toBe('"say \\"hi\\"\\u{1b}"');
    expect(quotedText('\\u{1b}')).toBe('"\\\\u{1b}"');
  });
});

/** Whether `s` is inert Markdown: every ASCII punctuation character is backslash-escaped, apart from our own `&#8203;` and `<span>$</span>`. */
function unescapedPunctuation(s: string): string | null {
  const rest = s.replace(/&#8203;|<span>\$<\/span>/g, '');
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '\\') {
      if (!/[!-/:-@[-`{-~]/.test(rest[i + 1] ?? '')) return `lone backslash at ${i} in ${rest}`;
      i++;
    } else if (/[!-/:-@[-`{-~]/.test(rest[i]!)) return `unescaped ${rest[i]} at ${i} in ${rest}`;
  }
  return null;
}

/** What GitHub would read as text once Markdown is rendered (escapes, our entity and span resolved). */
function rendered(s: string): string {
  return s
    .replace(/&#8203;/g, '\u200b')
    .replace(/<span>\$<\/span>/g, '$')
    .replace(/\\([!-/:-@[-`{-~])/g, '$1');
}

describe('markdownText: dynamic text is inert in a comment', () => {
  it.each(Object.entries(HOSTILE))('%s: no raw control character, no line break, no unescaped punctuation', (_name, h) => {
    const out = markdownText(h);
    expect(firstUnsafe(out, /(?!)/)).toBeNull();
    expect(out).not.toMatch(/[\n\r]/);
    expect(unescapedPunctuation(out)).toBeNull();
  });

  it('reads back as the text (with visible escapes) once rendered', () => {
    for (const h of Object.values(HOSTILE)) expect(rendered(markdownText(h)).replace(/\u200b/g, '')).toBe(terminalText(h));
  });

  it('notifies nobody and references no issue: a zero-width space after the @ of a mention, the # of #123, the - of GH-123', () => {
    const text = rendered(markdownText(`${HOSTILE.mention} x@team é@user ${HOSTILE.issue} gh-7 (@start`));
    expect(text).not.toMatch(/(^|[^A-Za-z0-9_])@[A-Za-z0-9]/); // GitHub's mention pattern
    expect(text).not.toMatch(/#[0-9]|\bGH-[0-9]/i);
    expect(markdownText('@octocat')).toBe('\\@&#8203;octocat');
    expect(markdownText('@acme/admins')).toBe('\\@&#8203;acme\\/admins');
  });

  it('keeps addresses readable: no zero-width space in name@domain', () => {
    expect(markdownText('bob.smith@acme.com')).toBe('bob\\.smith\\@acme\\.com');
  });

  it('stops raw HTML, links, images, autolinks, headings, math and entities', () => {
    expect(markdownText(HOSTILE.img)).toBe('\\<img src\\=x onerror\\=alert\\(1\\)\\>');
    expect(markdownText(HOSTILE.link)).toBe('\\[link\\]\\(javascript\\:alert\\(1\\)\\)');
    expect(markdownText(HOSTILE.image)).toBe('\\!\\[\\]\\(http\\:\\/\\/tracker\\.example\\/p\\.gif\\)');
    expect(markdownText(HOSTILE.autolink)).not.toMatch(/https?:\/\/|www\./);
    expect(markdownText(HOSTILE.heading)).toBe('\\# heading');
    expect(markdownText(HOSTILE.math)).toBe('<span>$</span>\\\\huge x<span>$</span>');
    expect(markdownText(HOSTILE.entity)).toBe('\\&lt\\;b\\&gt\\; \\&\\#&#8203;64\\;octocat'); // renders "&#64;octocat", no reference to #64
    expect(markdownText(HOSTILE.table)).toBe('\\| \\-\\-\\- \\| injected \\| row \\|');
  });

  it('shows control characters as the terminal rule does, escaped once more for Markdown', () => {
    expect(markdownText(HOSTILE.osc52)).toContain('\\\\u\\{1b\\}\\]52\\;c\\;');
    expect(markdownText(HOSTILE.bidi)).toContain('\\\\u\\{202e\\}');
  });
});

/** A code span per CommonMark: opening run of N backticks, content with no run of exactly N, closing run of N. */
function codeSpanContent(span: string): string | null {
  const open = /^`+/.exec(span)?.[0];
  if (!open || !span.endsWith(open) || span.length < open.length * 2) return null;
  const inner = span.slice(open.length, span.length - open.length);
  if (inner.startsWith('`') || inner.endsWith('`')) return null;
  if ((inner.match(/`+/g) ?? []).some((run) => run.length === open.length)) return null;
  return inner.trim() !== '' && inner.startsWith(' ') && inner.endsWith(' ') && inner.trim() !== '' ? inner.slice(1, -1) : inner;
}

describe('markdownCode: dynamic text as a code span', () => {
  const samples = [...Object.values(HOSTILE), '`', '``', '` a `', ' ', '', 'a`b``c```d', '`start', 'end`', ' spaced '];

  it.each(samples.map((s) => [JSON.stringify(s), s]))('%s: one code span holding the text with visible escapes', (_name, s) => {
    const span = markdownCode(s);
    expect(span).not.toMatch(/[\n\r]/);
    expect(firstUnsafe(span, /(?!)/)).toBeNull();
    expect(codeSpanContent(span)).toBe(s === '' ? ' ' : terminalText(s));
  });

  it('in a table cell, every | is escaped (GFM renders \\| inside a code span as |)', () => {
    for (const s of samples) expect(markdownCode(s, { inTable: true })).not.toMatch(/(^|[^\\])\|/);
    expect(markdownCode('a|b', { inTable: true })).toBe('`a\\|b`');
  });
});

describe('terminalSafeJson: JSON text that is safe on a terminal', () => {
  it('escapes what JSON.stringify leaves raw, and parses back to the same value', () => {
    const value = { name: ALL_HOSTILE, list: [HOSTILE.bidi, HOSTILE.csi8, HOSTILE.tag, HOSTILE.separators] };
    const json = JSON.stringify(value, null, 2);
    expect(firstUnsafe(json)).not.toBeNull(); // JSON.stringify alone is not enough
    const safe = terminalSafeJson(json);
    expect(firstUnsafe(safe)).toBeNull();
    expect(safe).toContain('\\u202e');
    expect(safe).toContain('\\u009b');
    expect(safe).toContain('\\udb40\\udc41');
    expect(JSON.parse(safe)).toEqual(value);
    expect(safe.split('\n')).toHaveLength(json.split('\n').length);
  });
});
