/** Row-op builders shared by the PBX provider contract tests. */
import { emptyRowOps } from '../../src/core/row-ops.js';
import type { PreferenceInsert, RowOps } from '../../src/model/row-ops.js';

export function ops(domain: string, parts: Partial<RowOps> = {}): RowOps {
  return { ...emptyRowOps(domain, 't'), ...parts };
}

/** `count` users (user<i>, extension 1000+i, `prefs` preferences each) from `from` on. */
export function userOps(domain: string, count: number, prefs = 2, from = 0): RowOps {
  const list = Array.from({ length: count }, (_, i) => from + i);
  const preferences: PreferenceInsert[] = list.flatMap((i) =>
    Array.from({ length: prefs }, (_, p) => ({
      uuid: `oid-${i}`,
      username: `user${i}`,
      attribute: `attr_${p}`,
      type: p % 2,
      value: p % 2 ? String(p) : `value ${i}/${p}`,
    })),
  );
  return ops(domain, {
    insertSubscribers: list.map((i) => ({ username: `user${i}`, password: '', ha1: `ha1-${i}`, ha1b: `ha1b-${i}` })),
    insertAliases: list.map((i) => ({ aliasUsername: String(1000 + i), username: `user${i}` })),
    insertPreferences: preferences,
  });
}
