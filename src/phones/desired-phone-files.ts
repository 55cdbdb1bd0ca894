/**
 * Which provisioning files a tenant's phones need: one per phone of every active account the
 * tenant file gives `phones:`, plus the Polycom master when any Polycom phone is there. Pure
 * apart from asking `password` for each account's derived SIP password.
 */
import { primaryExtension, type AccountView } from '../model/plan.js';
import type { TenantConfig, UserOverride } from '../model/tenant-config.js';
import { normaliseMac } from './mac.js';
import { phoneFile, polycomMaster, type PhoneFile } from './provisioning-files.js';

export interface PhoneFileOwner {
  readonly file: PhoneFile;
  /** Directory object id of the account the file registers; null for the shared master. */
  readonly objectId: string | null;
}

export function desiredPhoneFiles(config: TenantConfig, accounts: readonly AccountView[], password: (a: AccountView) => string): PhoneFileOwner[] {
  const out: PhoneFileOwner[] = [];
  let polycom = false;
  for (const account of accounts) {
    if (account.status !== 'active') continue;
    const override = overrideFor(config.users, account);
    if (override === undefined || override.phones.length === 0) continue;
    const view = {
      displayName: account.displayName,
      extension: primaryExtension(account),
      username: account.username,
      domain: config.domain,
      sipPassword: password(account),
    };
    for (const phone of override.phones) {
      const mac = normaliseMac(phone.mac);
      if (mac === null) continue; // refused when the file was loaded
      out.push({ file: phoneFile(phone.model, mac, view, config.spreadsheet.phoneSetup), objectId: account.objectId });
      polycom ||= phone.model === 'polycom';
    }
  }
  if (polycom) out.push({ file: polycomMaster(), objectId: null });
  return out.sort((a, b) => a.file.name.localeCompare(b.file.name));
}

function overrideFor(users: readonly UserOverride[], account: AccountView): UserOverride | undefined {
  const id = account.objectId.toLowerCase();
  const upn = account.upn.toLowerCase();
  return users.find((o) => (o.match.by === 'id' ? o.match.value === id : o.match.value === upn));
}

export function hasPhones(config: TenantConfig): boolean {
  return config.users.some((u) => u.phones.length > 0);
}
