/**
 * The one rule for dynamic text shown on a terminal: anything that comes from the directory,
 * the PBX's rows or a tenant file's values is passed through `terminalText` before it is
 * joined into pbxsync's own lines. Every character that a terminal would act on, or that
 * would make a reader see something other than what is there, is replaced by a visible
 * escape `\u{hex}` (lower-case hex, no padding: ESC → `\u{1b}`, U+202E → `\u{202e}`).
 *
 * Why: display names, UPNs and departments are chosen by whoever can edit their own profile
 * (or a snapshot file in a pull request), and PBX rows by whoever else writes the database.
 * Raw, such text could write the reviewer's clipboard (OSC 52), retitle the window (OSC 0),
 * move the cursor or clear the screen (CSI, also the 8-bit CSI U+009B), overwrite a line with
 * a bare CR or BS, or reorder what the reader sees (bidi overrides, "Trojan Source"), or hide
 * a difference between two names (zero-width characters).
 *
 * The classes (Unicode general categories, so that the rule is stated once and is complete):
 * - Cc: C0 controls U+0000–U+001F (NUL, BEL, BS, TAB, LF, CR, ESC…), DEL U+007F and the C1
 *   controls U+0080–U+009F (NEL, CSI U+009B, OSC U+009D…). TAB too: pbxsync never writes
 *   one, and a TAB in a value expands to an unknown width that breaks the columns of the plan
 *   and of `discover` and can push text out of sight. LF too: a field is one line; only
 *   pbxsync's own structure breaks lines (see `terminalLines` for whole messages).
 * - Cf: format characters, which are invisible: the bidi embeddings and overrides
 *   U+202A–U+202E, isolates U+2066–U+2069, marks U+200E, U+200F and U+061C; zero-width
 *   U+200B–U+200D, U+2060 and U+FEFF; also the soft hyphen U+00AD, the invisible operators
 *   U+2061–U+2064 and the tag characters U+E0000–U+E007F ("ASCII smuggling"). The price: the
 *   rare name that needs ZWNJ/ZWJ (some Persian or Indic spellings, emoji family sequences,
 *   subdivision flags) shows the escape; a reviewer seeing `\u{200d}` loses nothing.
 * - Zl, Zp: U+2028 and U+2029, line and paragraph separators that some terminals, editors and
 *   log viewers break lines at.
 * - Cs: lone surrogates (with the `u` flag a valid pair is one code point and never matches);
 *   they cannot be written as UTF-8 and would otherwise show as U+FFFD.
 *
 * Backslashes are left as they are: a name that literally contains `\u{1b}` looks like an
 * escaped ESC, which is harmless; quoting (see `quotedText`) disambiguates where it matters.
 */

/** Every character `terminalText` replaces. */
export const UNSAFE_CHARACTER = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;
const UNSAFE_GLOBAL = new RegExp(UNSAFE_CHARACTER.source, 'gu');

/** The visible form of one code point: `\u{1b}`. */
function visibleEscape(ch: string): string {
  return `\\u{${ch.codePointAt(0)!.toString(16)}}`;
}

/** One piece of dynamic text, safe to print on a terminal; it never contains a line break. */
export function terminalText(text: string): string {
  return text.replace(UNSAFE_GLOBAL, visibleEscape);
}

/**
 * A whole message that may span lines on purpose (a problem and its hint, a stack trace, a
 * notice from a library): line feeds stay, everything else unsafe is escaped, CR included.
 * Only for text composed elsewhere; pbxsync's renderers escape each field with `terminalText`.
 */
export function terminalLines(text: string): string {
  return text.split('\n').map(terminalText).join('\n');
}

/**
 * A value in double quotes, as the text plan shows attribute values: `\` and `"` are
 * backslash-escaped so that the quotes are unambiguous (and a literal `\u{1b}` in the data
 * shows as `\\u{1b}`), the rest as `terminalText`.
 */
export function quotedText(value: string): string {
  return `"${terminalText(value.replace(/["\\]/g, (ch) => `\\${ch}`))}"`;
}
