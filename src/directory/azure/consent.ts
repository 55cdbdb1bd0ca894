/** What the Entra app registration needs, and the URL a directory admin opens to grant it. */
import type { SourceConfig } from '../../model/tenant-config.js';

type AzureSource = Extract<SourceConfig, { type: 'azure' }>;

/** Application permissions (app-only) pbxsync needs on Microsoft Graph. */
export const APPLICATION_PERMISSIONS = ['User.Read.All', 'GroupMember.Read.All', 'Domain.Read.All'] as const;

/** The same, as delegated scopes for `discover --device-code`. */
export const DELEGATED_SCOPES: readonly string[] = [...APPLICATION_PERMISSIONS];

/**
 * The admin-consent URL as Microsoft documents it for application permissions:
 * `https://login.microsoftonline.com/{tenant}/adminconsent?client_id={client-id}` (on the
 * tenant's own authority host for national clouds). It grants what the app registration lists.
 */
export function adminConsentUrl(source: Pick<AzureSource, 'authorityHost' | 'tenantId' | 'clientId'>): string {
  return `${source.authorityHost}/${encodeURIComponent(source.tenantId)}/adminconsent?client_id=${encodeURIComponent(source.clientId)}`;
}

/**
 * The admin-consent URL for a message: the URL itself when the tenant file wrote both ids,
 * else a pointer to `pbxsync azure consent-url` (a message never shows an expanded value).
 */
export function consentHint(source: Pick<AzureSource, 'authorityHost' | 'tenantId' | 'clientId' | 'labels'>): string {
  const written = source.labels.tenantId === source.tenantId && source.labels.clientId === source.clientId;
  return written ? adminConsentUrl(source) : 'the admin-consent URL that `pbxsync azure consent-url FILE` prints';
}
