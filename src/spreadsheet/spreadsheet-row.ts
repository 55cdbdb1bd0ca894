/**
 * What the credentials spreadsheet shows: one row per SIP account, with its secrets in
 * plaintext (derived at apply time; this is the one place they are written down), plus what
 * phones need to register. Built by the apply command from the plan and the credentials.
 */
type SpreadsheetStatus = 'new' | 'updated' | 'unchanged' | 'disabled';

export interface SpreadsheetRow {
  readonly displayName: string;
  readonly upn: string;
  readonly email: string;
  /** Text, so that a leading zero ("0123") survives. */
  readonly extension: string;
  readonly username: string;
  readonly domain: string;
  readonly sipPassword: string;
  readonly softphonePassword: string;
  readonly department: string;
  readonly status: SpreadsheetStatus;
}

export interface SpreadsheetPhoneSetup {
  readonly registrar: string;
  readonly outboundProxy?: string;
  readonly transport: string;
  readonly port: number;
}

export interface SpreadsheetInput {
  readonly tenant: string;
  /** SIP domain of the tenant. */
  readonly domain: string;
  readonly rows: readonly SpreadsheetRow[];
  readonly phoneSetup: SpreadsheetPhoneSetup;
  /** age public keys (`age1…`) to encrypt the file to; none or absent: a plain .xlsx. */
  readonly encryptTo?: readonly string[];
}
