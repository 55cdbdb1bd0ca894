/**
 * One canonical JSON text per value (object keys sorted, no whitespace), so that digests and
 * signatures do not depend on key order or formatting. Undefined members are left out, as
 * JSON.stringify leaves them out.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i > 0 ? ',' : '') + canonicalJson(value[i]);
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const member = record[key];
    if (member === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(key)}:${canonicalJson(member)}`;
    first = false;
  }
  return `${out}}`;
}

/**
 * The same text as `canonicalJson`, handed to `write` in pieces of about 64 KB: a digest of a
 * large document (a saved plan of 20,000 accounts is tens of MB) without one string of it.
 */
export function writeCanonicalJson(value: unknown, write: (piece: string) => void): void {
  let buffer = '';
  const emit = (text: string): void => {
    buffer += text;
    if (buffer.length >= 65_536) {
      write(buffer);
      buffer = '';
    }
  };
  const walk = (v: unknown): void => {
    if (v === null || typeof v !== 'object') return emit(JSON.stringify(v) ?? 'null');
    if (Array.isArray(v)) {
      emit('[');
      for (let i = 0; i < v.length; i++) {
        if (i > 0) emit(',');
        walk(v[i]);
      }
      return emit(']');
    }
    // Small objects as one piece (the common case); large ones member by member.
    const record = v as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    emit('{');
    let first = true;
    for (const key of keys) {
      const member = record[key];
      if (member === undefined) continue;
      emit(`${first ? '' : ','}${JSON.stringify(key)}:`);
      walk(member);
      first = false;
    }
    emit('}');
  };
  walk(value);
  if (buffer !== '') write(buffer);
}
