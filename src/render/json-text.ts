/**
 * JSON text that is also safe on a terminal (`plan --json` printed to one, a saved plan shown
 * with `cat`). `JSON.stringify` escapes C0 controls and lone surrogates, but writes DEL, the
 * C1 controls (the 8-bit CSI U+009B among them), bidi and zero-width characters, and U+2028
 * and U+2029 as they are. Each of those can only stand inside a JSON string (the structure is
 * ASCII), where `\uXXXX` means the same character: `JSON.parse` gives the identical value, so
 * a signature over the value (saved plans) still holds.
 */
import { UNSAFE_CHARACTER } from './safe-text.js';

// The terminal rule's characters, less C0 (escaped by JSON.stringify already, and its
// whitespace is the document's own indentation and line breaks).
const RAW_IN_JSON = new RegExp(`(?![\\u0000-\\u001f])${UNSAFE_CHARACTER.source}`, 'gu');

export function terminalSafeJson(json: string): string {
  return json.replace(RAW_IN_JSON, (ch) => Array.from({ length: ch.length }, (_, i) => `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`).join(''));
}
