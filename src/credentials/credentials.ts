/** Everything pbxsync derives for one account from the master key. */
import type { CredentialCheck } from '../core/credential-check.js';
import type { PbxSubscriberRow } from '../model/pbx-state.js';
import type { AccountView } from '../model/plan.js';
import { derivePassword, digestHashes } from './derive.js';

export interface AccountCredentials {
  readonly sipPassword: string;
  readonly softphonePassword: string;
  readonly ha1: string;
  readonly ha1b: string;
}

export class CredentialDeriver implements CredentialCheck {
  /** Derived once per account and run: plan, row writes and the spreadsheet all ask. */
  private readonly cache = new Map<string, AccountCredentials>();

  constructor(
    private readonly masterKey: Buffer,
    private readonly tenant: string,
    private readonly domain: string,
  ) {}

  derive(account: AccountView): AccountCredentials {
    const key = `${account.objectId}\u0000${account.generation}\u0000${account.username}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const sipPassword = derivePassword(this.masterKey, this.tenant, account.objectId, account.generation, 'sip');
    const softphonePassword = derivePassword(this.masterKey, this.tenant, account.objectId, account.generation, 'softphone');
    const credentials = { sipPassword, softphonePassword, ...digestHashes(account.username, this.domain, sipPassword) };
    this.cache.set(key, credentials);
    return credentials;
  }

  matches(account: AccountView, row: PbxSubscriberRow): boolean {
    const { ha1, ha1b } = this.derive(account);
    return row.ha1 === ha1 && row.ha1b === ha1b;
  }
}
