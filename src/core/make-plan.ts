/**
 * The whole pure pipeline: (config, directory users, PBX rows, stored state, key id) → Plan.
 * No I/O, no clock, no randomness: the same inputs always give the same plan.
 */
import type { DirectoryUser } from '../model/directory-user.js';
import type { PbxTenantState } from '../model/pbx-state.js';
import {
  PLAN_FORMAT_VERSION,
  primaryExtension,
  type AccountView,
  type Change,
  type DomainCheck,
  type Plan,
  type PlanSummary,
  type PlanWarning,
  type ScopeSummary,
} from '../model/plan.js';
import type { StoredTenantState } from '../model/stored-state.js';
import type { TenantConfig } from '../model/tenant-config.js';
import { cleanDirectory } from './clean-directory.js';
import type { CredentialCheck } from './credential-check.js';
import { currentAccounts, type CurrentTenant } from './current-accounts.js';
import { desired } from './desired.js';
import { diffAccounts } from './diff.js';
import { withWrittenIdentities, writtenIdentities, type WrittenIdentity } from './identity-drift.js';
import { compareExtensions } from './extension-pool.js';
import { checkKey } from './key-check.js';
import { nextRecord, recordChange } from './next-record.js';
import { overrideWarnings, type Locate } from './override-warnings.js';
import { mergeRecords, pbxRecord } from './record.js';
import { checkSafety } from './safety.js';
import { stateFingerprint } from './state-fingerprint.js';
import { checkMovable, checkOwnership } from './tenant-ownership.js';

export interface PlanInput {
  readonly config: TenantConfig;
  readonly directory: readonly DirectoryUser[];
  readonly pbx: PbxTenantState;
  readonly stored: StoredTenantState;
  readonly credentials: CredentialCheck;
  /** One-way id of the run's master key. */
  readonly keyId: string;
  /** Positions in the tenant file, for warnings about it. */
  readonly locate?: Locate;
  /**
   * The tenant moves: `pbx` holds its rows in this domain (its home so far), and the tenant
   * file names another domain (`config.domain`), which holds no row yet.
   */
  readonly move?: { readonly from: string };
  /** The check of a domain the plan creates the tenant on or moves it onto (done by the caller: DNS is I/O). */
  readonly domainCheck?: DomainCheck | null;
}

/** What every plan starts from, whether made afresh or replayed from a saved plan. */
export interface PlanBasis {
  readonly current: CurrentTenant;
  readonly record: StoredTenantState;
  readonly rekeyFrom: string | null;
  readonly warnings: readonly PlanWarning[];
  /** Accounts whose username or aliases were changed outside pbxsync: what it wrote, to set back. */
  readonly writtenIdentities: ReadonlyMap<string, WrittenIdentity>;
}

export function planBasis(input: Omit<PlanInput, 'directory' | 'locate' | 'domainCheck'>): PlanBasis {
  const { config, pbx } = input;
  const current = currentAccounts(pbx, config.name);
  checkOwnership(config, pbx, current);
  if (input.move) checkMovable(input.move.from, current);
  const restored = writtenIdentities(current, input.stored);
  const merged = mergeRecords(withWrittenIdentities(pbxRecord(current), restored), input.stored, config.name);
  const key = checkKey(config, merged.state.keyId, input.keyId, current, input.credentials);
  const warnings: PlanWarning[] = [...merged.warnings];
  if (current.unreadableLedgerRows > 0) {
    warnings.push({
      code: 'record-disagrees',
      message: `${current.unreadableLedgerRows} ledger row(s) of pbxsync in ${config.domain} cannot be read: left alone`,
    });
  }
  return { current, record: merged.state, rekeyFrom: key.rekey?.from ?? null, warnings, writtenIdentities: restored };
}

export function makePlan(input: PlanInput): Plan {
  const basis = planBasis(input);
  const cleaned = cleanDirectory(input.directory);
  const want = desired({
    config: input.config,
    directory: cleaned.users,
    current: basis.current,
    record: basis.record,
    writtenIdentities: basis.writtenIdentities,
  });
  const ctx = { rekey: basis.rekeyFrom !== null, storePlaintext: input.config.credentials.storePlaintext, moving: input.move !== undefined };
  const changes: Change[] = diffAccounts(basis.current, want, input.credentials, ctx);
  const warnings = [
    ...basis.warnings,
    ...want.warnings,
    ...cleaned.warnings,
    ...overrideWarnings(input.config, cleaned.users, basis.current, basis.record, input.locate),
  ];
  return assemblePlan(input, basis, changes, warnings, want.scope);
}

/** Adds the domain and record changes to the subscriber changes, and everything derived from them. */
export function assemblePlan(
  input: Pick<PlanInput, 'config' | 'pbx' | 'keyId' | 'move' | 'domainCheck'>,
  basis: PlanBasis,
  subscriberChanges: readonly Change[],
  warnings: readonly PlanWarning[],
  scope: ScopeSummary | null,
): Plan {
  const { config, pbx, keyId } = input;
  const changes = [...subscriberChanges];
  if (input.move) changes.push(moveChange(input.move.from, config, basis.current, subscriberChanges));
  else if (!pbx.domain.exists) changes.push({ kind: 'create', entity: 'domain', domain: config.domain, did: config.name });
  const next = nextRecord(basis.record, changes, keyId);
  const record = recordChange(basis.current.ledger, next);
  if (record) changes.push(record);
  changes.sort(compareChanges);
  const existing = [...basis.current.accounts.values()].filter((a) => a.view.status === 'active').length;
  return {
    formatVersion: PLAN_FORMAT_VERSION,
    tenant: config.name,
    domain: config.domain,
    keyId,
    pbxFingerprint: pbx.fingerprint,
    recordFingerprint: stateFingerprint(basis.record),
    changes,
    accounts: accountsAfter(basis.current, changes),
    warnings,
    summary: summarise(changes),
    safety: checkSafety(changes, { existing, rekeyFrom: basis.rekeyFrom, keyId }, config.safety),
    nextState: next,
    domainCheck: input.domainCheck ?? null,
    scope,
  };
}

/**
 * The move of a tenant to another domain, as one change: every row follows, and the
 * subscriber rows that no other change rewrites get ha1/ha1b for the new domain (same
 * passwords). Accounts are not listed as updates: the safety brake counts the move as one.
 */
function moveChange(from: string, config: PlanInput['config'], current: CurrentTenant, changes: readonly Change[]): Change {
  const rewritten = new Set(
    changes.flatMap((c) =>
      c.entity === 'subscriber' && (c.kind === 'delete' || c.kind === 'disable' || (c.kind === 'update' && c.credentials.writeSubscriber))
        ? [c.kind === 'delete' || c.kind === 'disable' ? c.before.objectId : c.after.objectId]
        : [],
    ),
  );
  const rehash = [...current.accounts.values()]
    .filter((a) => a.subscriber !== null && !rewritten.has(a.view.objectId))
    .map((a) => ({ objectId: a.view.objectId, username: a.view.username, generation: a.view.generation }))
    .sort((a, b) => (a.objectId < b.objectId ? -1 : a.objectId > b.objectId ? 1 : 0));
  return { kind: 'move', entity: 'domain', from, to: config.domain, did: config.name, rehash, accounts: current.accounts.size };
}

/** Every active account once the changes are applied: unchanged ones from the PBX, the others from the changes. */
function accountsAfter(current: CurrentTenant, changes: readonly Change[]): AccountView[] {
  const accounts = new Map<string, AccountView>();
  for (const [id, acc] of current.accounts) accounts.set(id, acc.view);
  for (const c of changes) {
    if (c.entity !== 'subscriber') continue;
    if (c.kind === 'delete') accounts.delete(c.before.objectId);
    else accounts.set(c.after.objectId, c.after);
  }
  return [...accounts.values()].filter((a) => a.status === 'active').sort(compareAccounts);
}

function summarise(changes: readonly Change[]): PlanSummary {
  const count = (kind: Change['kind']) => changes.filter((c) => c.entity === 'subscriber' && c.kind === kind).length;
  return { create: count('create'), update: count('update'), disable: count('disable'), delete: count('delete') };
}

/** The account a change is about (the domain sorts first, the record last). */
function changeAccount(change: Change): AccountView | null {
  if (change.entity !== 'subscriber') return null;
  return change.kind === 'delete' ? change.before : change.after;
}

const ENTITY_ORDER: Record<Change['entity'], number> = { domain: 0, subscriber: 1, record: 2 };

function compareChanges(a: Change, b: Change): number {
  if (a.entity !== b.entity) return ENTITY_ORDER[a.entity] - ENTITY_ORDER[b.entity];
  const x = changeAccount(a);
  const y = changeAccount(b);
  return x && y ? compareAccounts(x, y) : 0;
}

function compareAccounts(a: AccountView, b: AccountView): number {
  return compareExtensions(primaryExtension(a), primaryExtension(b)) || (a.objectId < b.objectId ? -1 : a.objectId > b.objectId ? 1 : 0);
}
