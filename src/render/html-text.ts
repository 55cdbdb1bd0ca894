/**
 * Dynamic text inside pbxsync's own HTML (the `<summary>` of a `<details>` section of the
 * pull-request comment), where Markdown escapes do not apply: the terminal rule first (no
 * line break, control, bidi or zero-width character), then `& < > " '` as entities, so that
 * no tag (`</summary>`, `<img>`) or entity comes from the data; `$` as GitHub's literal
 * dollar; and, as in `markdown-text.ts`, a zero-width space (as an entity) after the `@` of
 * a mention and the `#` of an issue reference, which GitHub reads from the rendered text.
 */
import { terminalText } from './safe-text.js';

const ENTITY: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', $: '<span>$</span>' };

export function htmlText(text: string): string {
  const safe = terminalText(text);
  let out = '';
  for (let i = 0; i < safe.length; i++) {
    const ch = safe[i]!;
    out += ENTITY[ch] ?? ch;
    if ((ch === '@' && !/[A-Za-z0-9_]/.test(safe[i - 1] ?? '')) || (ch === '#' && /[0-9]/.test(safe[i + 1] ?? ''))) out += '&#8203;';
  }
  return out;
}
