/** What a change of the tenant's record (its ledger rows) means, in a few words per kind of entry. */
import type { Change, RecordEntry } from '../model/plan.js';

type RecordChange = Extract<Change, { entity: 'record' }>;

export function recordLines(change: RecordChange): string[] {
  const lines: string[] = [];
  const of = <T extends RecordEntry['type']>(list: readonly RecordEntry[], type: T) =>
    list.filter((e): e is Extract<RecordEntry, { type: T }> => e.type === type);
  const [keyAdd, keyRemove] = [of(change.add, 'key'), of(change.remove, 'key')];
  if (keyAdd.length > 0)
    lines.push(
      keyRemove.length > 0 ? `master key id ${keyRemove.map((k) => k.keyId).join(', ')} → ${keyAdd[0]!.keyId}` : `master key id ${keyAdd[0]!.keyId} recorded`,
    );
  const retired = of(change.add, 'retired').map((e) => e.extension);
  if (retired.length > 0) lines.push(`${count(retired.length, 'number')} retired: ${sample(retired)}`);
  const released = of(change.remove, 'retired').map((e) => e.extension);
  if (released.length > 0) lines.push(`${count(released.length, 'retired number')} back in use: ${sample(released)}`);
  const deleted = of(change.add, 'deleted').map((e) => e.username);
  if (deleted.length > 0) lines.push(`${count(deleted.length, 'deleted account')} remembered (username kept for a return): ${sample(deleted)}`);
  const returned = of(change.remove, 'deleted').map((e) => e.username);
  if (returned.length > 0) lines.push(`${count(returned.length, 'deleted account')} back: ${sample(returned)}`);
  return lines;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function sample(items: readonly string[]): string {
  return items.length <= 10 ? items.join(', ') : `${items.slice(0, 10).join(', ')}, … (${items.length - 10} more)`;
}
