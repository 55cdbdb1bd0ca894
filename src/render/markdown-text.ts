/**
 * Dynamic text as inert GitHub-flavoured Markdown, for the plan's pull-request comment.
 *
 * What is enough, and why:
 * - First the terminal rule (`terminalText`): controls, bidi and zero-width characters become
 *   visible `\u{…}` escapes, so a comment cannot reorder or hide text either, and no line
 *   feed from the data can end a table row or start a block.
 * - Then every ASCII punctuation character is backslash-escaped. CommonMark (§2.4) defines
 *   an escaped punctuation character as literal: it opens no emphasis, strikethrough, link,
 *   image, code span, raw HTML (`<img>`, `</details>`), entity (`&#64;`), heading, list,
 *   quote or fence, and GFM's table scanner treats any `|` right after a backslash as cell
 *   text. Escaping all of them rather than a picked few needs no knowledge of the context,
 *   which is what keeps it right when a renderer changes. It also stops GFM's autolinks
 *   (`https\:\/\/…`, `www\.…` are not recognised), so the data puts no clickable link in a
 *   comment that reviewers trust. Images — the only tracking pixels — need `![…](…)` or
 *   `<img>`, so none can appear; GitHub would proxy them through its image cache anyway.
 * - GitHub's mention and issue-reference filters read the rendered text, after escapes are
 *   gone, so `\@user` would still notify. As Dependabot and Renovate do, a zero-width space
 *   is written after the `@` of a mention (`@&#8203;user`, not after the `@` of
 *   `name@domain`, which GitHub does not take as a mention) and after the `#` of `#123` or
 *   `owner/repo#123` and the `-` of `GH-123`. It is written as an entity, so the comment's
 *   source holds no raw zero-width character, and the rendered text still reads `@user`.
 *   (`&#64;` would not do: it is decoded before the filter runs.)
 * - GitHub renders `$…$` as math after Markdown is parsed; its documented way to show a
 *   literal dollar outside math is `<span>$</span>`, which is what `$` becomes.
 * Emoji short codes (`:tada:`) are left alone: they only draw an emoji.
 */
import { terminalText } from './safe-text.js';

const ASCII_PUNCTUATION = /[!-/:-@[-`{-~]/g;
const ZWSP = '&#8203;';

/** One piece of dynamic text for a Markdown paragraph, list item or table cell. */
export function markdownText(text: string): string {
  const safe = terminalText(text);
  return safe.replace(ASCII_PUNCTUATION, (ch: string, i: number) => {
    if (ch === '$') return '<span>$</span>';
    return startsReference(safe, i) ? `\\${ch}${ZWSP}` : `\\${ch}`;
  });
}

/** Whether GitHub would read a mention or an issue reference from the character at `i`. */
function startsReference(text: string, i: number): boolean {
  const before = text[i - 1] ?? '';
  const after = text[i + 1] ?? '';
  switch (text[i]) {
    case '@':
      return !/[A-Za-z0-9_]/.test(before); // @user, @org/team; bob@acme.com is an address
    case '#':
      return /[0-9]/.test(after); // #123, owner/repo#123
    case '-':
      return /[0-9]/.test(after) && /(^|[^A-Za-z0-9_])gh$/i.test(text.slice(Math.max(0, i - 3), i)); // GH-123
    default:
      return false;
  }
}

/**
 * Dynamic text as a code span: nothing inside one is markup, a mention, a reference or a
 * link, so only its fence matters — one backtick longer than the longest run in the text,
 * with a space inside when the text starts or ends with a backtick (CommonMark §6.1). In a
 * table cell (`inTable`), `|` is written `\|`: GFM splits cells before it parses code spans,
 * and renders `\|` inside one as `|`.
 */
export function markdownCode(text: string, options: { inTable?: boolean } = {}): string {
  const safe = terminalText(text);
  const content = options.inTable ? safe.replace(/\|/g, '\\|') : safe;
  const longest = Math.max(0, ...Array.from(content.matchAll(/`+/g), (m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  if (content === '') return '` `'; // an empty code span does not exist; a blank one does
  const stripped = content.trim() !== '' && content.startsWith(' ') && content.endsWith(' '); // CommonMark would drop one space each side
  const pad = /^`|`$/.test(content) || stripped ? ' ' : '';
  return `${fence}${pad}${content}${pad}${fence}`;
}
