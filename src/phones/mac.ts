/** MAC addresses of desk phones: the forms a tenant file may write, and the one file names use. */

/** `00:15:65:AA:BB:CC`, `00-15-65-aa-bb-cc`, `0015.65aa.bbcc` or `001565aabbcc` → `001565aabbcc`; null when it is none of them. */
export function normaliseMac(text: string): string | null {
  const t = text.trim();
  if (!/^(?:[0-9A-Fa-f]{2}([:-])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}|[0-9A-Fa-f]{12})$/.test(t)) return null;
  const mac = t.replace(/[:.-]/g, '').toLowerCase();
  return mac;
}

/** Why a well-formed MAC cannot be a phone's: null when it can. */
export function macUnusable(mac: string): string | null {
  if (mac === '000000000000') return 'is all zeros (the name of the Polycom master file, not of a phone)';
  if (mac === 'ffffffffffff') return 'is the broadcast address';
  if ((Number.parseInt(mac.slice(0, 2), 16) & 1) === 1) return 'is a multicast address (its first octet is odd)';
  return null;
}
