/**
 * The setup cards of a tenant's active accounts: the same derived credentials as the
 * credentials spreadsheet (one `CredentialDeriver`), the phone setup of the spreadsheet, and
 * the provisioning URL and Acrobits code when the tenant file sets provisioning up. Pure.
 */
import type { CredentialDeriver } from '../credentials/credentials.js';
import { primaryExtension, type AccountView } from '../model/plan.js';
import type { TenantConfig } from '../model/tenant-config.js';
import { acrobitsCode } from '../provisioning/acrobits-code.js';
import { provisioningToken, provisioningUrl } from '../provisioning/provisioning-token.js';
import type { SetupCard } from './setup-card.js';

export interface CardEntry {
  readonly card: SetupCard;
  /** The name of the person's provisioning file (null: no provisioning). */
  readonly token: string | null;
}

/** `acrobitsCloudId`: the ISP configuration's, used when the tenant file asks for the csc: code. */
export function setupCards(
  accounts: readonly AccountView[],
  config: TenantConfig,
  credentials: CredentialDeriver,
  masterKey: Buffer,
  acrobitsCloudId?: string,
): CardEntry[] {
  const setup = config.spreadsheet.phoneSetup;
  const prov = config.provisioning;
  const cloudId = prov?.acrobits ? acrobitsCloudId : undefined;
  return accounts
    .filter((a) => a.status === 'active')
    .slice()
    .sort((a, b) => compare(a.displayName, b.displayName) || compare(a.username, b.username))
    .map((a) => {
      const c = credentials.derive(a);
      const token = prov ? provisioningToken(masterKey, config.name, a.objectId, a.generation) : null;
      const card: SetupCard = {
        objectId: a.objectId,
        displayName: a.displayName,
        extension: primaryExtension(a),
        username: a.username,
        domain: config.domain,
        sipPassword: c.sipPassword,
        softphonePassword: c.softphonePassword,
        registrar: setup.registrar,
        ...(setup.outboundProxy !== undefined ? { outboundProxy: setup.outboundProxy } : {}),
        transport: setup.transport,
        port: setup.port,
        ...(prov && token ? { provisioningUrl: provisioningUrl(prov.url, token) } : {}),
        ...(cloudId !== undefined ? { acrobitsCode: acrobitsCode(cloudId, a.username, config.domain, c.softphonePassword) } : {}),
        ...(config.cards.webphoneUrl !== undefined ? { webphoneUrl: config.cards.webphoneUrl } : {}),
      };
      return { card, token };
    });
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
