/**
 * The tenant's record once a plan is applied, and the ledger rows that change with it. Both
 * follow from the record the plan started from and its subscriber changes alone, so that a
 * saved plan's apply recomputes them instead of trusting a copy. Pure.
 */
import type { AccountPart, Change, RecordEntry, SubscriberChange } from '../model/plan.js';
import { STATE_VERSION, type StoredAccount, type StoredTenantState } from '../model/stored-state.js';
import { diffEntries, ledgerEntries } from './record-rows.js';
import { normaliseState } from './record.js';

export function nextRecord(record: StoredTenantState, changes: readonly Change[], keyId: string): StoredTenantState {
  const accounts: Record<string, StoredAccount> = { ...record.accounts };
  const retired = new Set(record.retired);
  for (const change of changes) {
    if (change.entity !== 'subscriber') continue;
    applyChange(change, accounts, retired);
  }
  for (const acc of Object.values(accounts)) for (const e of acc.extensions) retired.delete(e);
  return normaliseState({ version: STATE_VERSION, keyId, accounts, retired: [...retired] });
}

function applyChange(change: SubscriberChange, accounts: Record<string, StoredAccount>, retired: Set<string>): void {
  switch (change.kind) {
    case 'create':
    case 'update':
    case 'disable': {
      const { objectId, username, extensions, generation, status } = change.after;
      accounts[objectId] = { username, extensions: [...extensions], generation, status };
      // Aliases added by hand that an update removes again were never handed out: not retired.
      if (change.kind === 'update' && !setBack(change, 'identity')) for (const e of change.before.extensions) if (!extensions.includes(e)) retired.add(e);
      return;
    }
    case 'delete': {
      const { objectId, username, extensions, generation } = change.before;
      accounts[objectId] = { username, extensions: [], generation, status: 'deleted' };
      for (const e of extensions) retired.add(e);
      return;
    }
    default: {
      const never: never = change;
      throw new Error(`unknown change ${JSON.stringify(never)}`);
    }
  }
}

function setBack(change: Extract<SubscriberChange, { kind: 'update' }>, part: AccountPart): boolean {
  return change.cause.drift.includes(part) && !change.cause.requested.includes(part);
}

/** The ledger change that brings the PBX's ledger rows to `next`, or null when they hold it already. */
export function recordChange(ledger: readonly RecordEntry[], next: StoredTenantState): Change | null {
  const { add, remove } = diffEntries(ledger, ledgerEntries(next));
  return add.length === 0 && remove.length === 0 ? null : { kind: 'update', entity: 'record', add, remove };
}
