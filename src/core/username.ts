/**
 * SIP usernames derived from a UPN's local part: lower case, accents folded, only
 * `[a-z0-9._-]`, at most 64 characters. A collision gets the lowest free numeric suffix.
 */
const USERNAME_MAX = 64;

// Letters that NFKD does not decompose into a base letter plus a combining mark.
const FOLDS: Readonly<Record<string, string>> = {
  ø: 'o',
  æ: 'ae',
  œ: 'oe',
  ß: 'ss',
  đ: 'd',
  ð: 'd',
  ł: 'l',
  þ: 'th',
  ı: 'i',
  ŋ: 'n',
  ħ: 'h',
};

function foldToAscii(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/[^\u0000-\u007f]/gu, (ch) => FOLDS[ch] ?? '');
}

/** The username a UPN would get if nobody else had it yet. */
export function baseUsername(upn: string): string {
  const local = (upn.split('#EXT#')[0] ?? upn).replace(/@[^@]*$/, '');
  const cleaned = foldToAscii(local)
    .replace(/[^a-z0-9._-]+/g, '')
    .replace(/\.{2,}/g, '.')
    .replace(/^[._-]+|[._-]+$/g, '');
  return (cleaned || 'user').slice(0, USERNAME_MAX).replace(/[._-]+$/, '') || 'user';
}

/** `base`, or `base2`, `base3`… — the first that `isTaken` refuses; fits in 64 characters. */
export function uniqueUsername(base: string, isTaken: (name: string) => boolean): string {
  if (!isTaken(base)) return base;
  for (let n = 2; ; n++) {
    const suffix = String(n);
    const candidate = base.slice(0, USERNAME_MAX - suffix.length) + suffix;
    if (!isTaken(candidate)) return candidate;
  }
}
