/**
 * Reads a tenant's record as the state store holds it: checked against
 * `schemas/state.schema.json`, version 1 upgraded, normalised. A record that does not fit is a
 * one-line error, never a crash later in the plan.
 */
import { describeSchemaError, schemaValidator } from '../config/json-schemas.js';
import { normaliseState } from '../core/record.js';
import { UserError } from '../errors.js';
import { STATE_VERSION, type StoredAccount, type StoredTenantState } from '../model/stored-state.js';

interface V1Account {
  readonly username: string;
  readonly extension: string;
  readonly generation: number;
  readonly status: StoredAccount['status'];
}

export function decodeStoredState(value: unknown, where: string): StoredTenantState {
  const validate = schemaValidator('state.schema.json');
  if (!validate(value)) {
    throw new UserError(
      `${where} is not a pbxsync tenant record: ${describeSchemaError(validate.errors)}`,
      "restore it from a backup, or move it aside: the tenant's PBX rows hold the same record, and the next apply writes it back",
    );
  }
  const state = value as StoredTenantState | { version: 1; accounts: Record<string, V1Account>; retired: string[] };
  if (state.version === STATE_VERSION) return normaliseState(state);
  const accounts = Object.fromEntries(
    Object.entries(state.accounts).map(([id, a]) => [
      id.toLowerCase(),
      { username: a.username, extensions: a.status === 'deleted' || a.extension === '' ? [] : [a.extension], generation: a.generation, status: a.status },
    ]),
  );
  return normaliseState({ version: STATE_VERSION, keyId: null, accounts, retired: state.retired });
}
