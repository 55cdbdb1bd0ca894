/**
 * Errors of the PBX layer that a user can cause and fix. Each carries a one-line message and
 * a hint, printed by the CLI without a stack trace.
 */
import { UserError } from '../errors.js';

/** The `pbx.url` cannot be opened by any provider built into this pbxsync. */
export class PbxUrlError extends UserError {
  constructor(message: string, hint?: string) {
    super(message, hint);
    this.name = 'PbxUrlError';
  }
}

/** The PBX database file does not exist (only `pbxsync pbx init` creates it). */
export class PbxMissingError extends UserError {
  constructor(readonly path: string) {
    super(`no PBX database at ${path}`, `run \`pbxsync pbx init sqlite:${path}\` first`);
    this.name = 'PbxMissingError';
  }
}

/**
 * Kamailio's tables are missing or at versions pbxsync was not written for. Writing to a
 * table whose columns may differ could leave Kamailio unable to register anyone, so refuse.
 */
export class PbxSchemaError extends UserError {
  constructor(
    readonly table: string,
    /** Version found in the `version` table; null when the table or its row is missing. */
    readonly found: number | string | null,
    readonly expected: number,
    message: string,
    hint?: string,
  ) {
    super(message, hint);
    this.name = 'PbxSchemaError';
  }
}

/** A saved plan no longer matches the PBX: someone changed the tenant's rows since. */
export class PbxChangedError extends UserError {
  constructor(readonly domain: string) {
    super(
      `the PBX rows of ${domain} changed since the plan was made; nothing was written`,
      'run `pbxsync plan` again and review the new plan before applying it',
    );
    this.name = 'PbxChangedError';
  }
}

/** Another writer holds the database lock longer than the busy timeout. */
export class PbxBusyError extends UserError {
  constructor(readonly path: string) {
    super(
      'the PBX database is busy (another apply?); nothing was written',
      `wait for the other pbxsync or Kamailio tool writing to ${path} to finish, then retry`,
    );
    this.name = 'PbxBusyError';
  }
}

/** Another pbxsync holds the tenant's lock for longer than `--lock-timeout`. */
export class PbxLockTimeoutError extends UserError {
  constructor(
    readonly tenant: string,
    readonly holder: { readonly who: string; readonly since: string | null } | null,
    waitedMs: number,
  ) {
    const by = holder ? ` by ${holder.who}${holder.since ? ` since ${holder.since}` : ''}` : '';
    const waited = waitedMs < 1000 ? `${waitedMs}ms` : `${Math.round(waitedMs / 1000)}s`;
    super(
      `tenant ${tenant} is locked${by}; gave up after waiting ${waited}, nothing was written`,
      'wait for that apply to finish (or stop it), or wait longer with --lock-timeout, e.g. --lock-timeout 5m',
    );
    this.name = 'PbxLockTimeoutError';
  }
}
