/**
 * Access tokens for Graph from Entra ID through msal-node: app-only (client credentials with a
 * secret or a certificate) for plans; the delegated device-code flow of `discover
 * --device-code` is in `device-code-token.ts`. msal caches the token in memory, so a read asks the authority
 * once. msal talks only to the configured authority host (`knownAuthorities` skips the
 * instance discovery call to login.microsoftonline.com) through `MsalNetworkClient`.
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfidentialClientApplication, LogLevel, type Configuration } from '@azure/msal-node';
import { UserError } from '../../errors.js';
import type { SourceConfig } from '../../model/tenant-config.js';
import { authError } from './auth-errors.js';
import type { MsalNetworkClient } from './msal-network.js';

export type AzureSourceConfig = Extract<SourceConfig, { type: 'azure' }>;

/** Gives a bearer token for Graph; throws a `UserError` the operator can act on. */
export interface TokenSource {
  token(): Promise<string>;
}

export function appTokenSource(source: AzureSourceConfig, network: MsalNetworkClient): TokenSource {
  const app = new ConfidentialClientApplication(msalConfig(source, network, credentialOptions(source)));
  const scopes = [`${source.graphEndpoint}/.default`];
  return {
    token: async () => {
      try {
        const result = await app.acquireTokenByClientCredential({ scopes });
        if (!result) throw new Error('msal returned no token');
        return result.accessToken;
      } catch (err) {
        throw authError(err, source, network) ?? err;
      }
    },
  };
}

/** msal's configuration for either client: the authority, our network client, no internal retries. */
export function msalConfig(source: AzureSourceConfig, network: MsalNetworkClient, auth: Partial<Configuration['auth']>): Configuration {
  return {
    auth: {
      clientId: source.clientId,
      authority: `${source.authorityHost}/${encodeURIComponent(source.tenantId)}`,
      knownAuthorities: [new URL(source.authorityHost).host],
      ...auth,
    },
    system: {
      networkClient: network,
      disableInternalRetries: true, // our retry loop in MsalNetworkClient handles 429/5xx
      loggerOptions: { logLevel: LogLevel.Error, piiLoggingEnabled: false, loggerCallback: () => undefined },
    },
  };
}

function credentialOptions(source: AzureSourceConfig): Partial<Configuration['auth']> {
  const credential = source.credential;
  switch (credential.kind) {
    case 'secret':
      return { clientSecret: credential.secret };
    case 'certificate': {
      const privateKey = readPrivateKey(credential.privateKeyFile);
      const thumbprint = credential.thumbprint.length === 40 ? { thumbprint: credential.thumbprint } : { thumbprintSha256: credential.thumbprint };
      return { clientCertificate: { ...thumbprint, privateKey } };
    }
    case 'none':
      throw new UserError(
        `the tenant file gives no credential for app ${source.labels.clientId} (source.client_secret or source.certificate)`,
        'set source.client_secret: ${VAR} or source.certificate; `pbxsync discover --device-code` signs in as an admin instead',
      );
  }
}

/** msal wants PKCS#8 PEM; a PKCS#1 `RSA PRIVATE KEY` (what openssl often writes) is converted. */
function readPrivateKey(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UserError(
      `cannot read the certificate's private key ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      'check source.certificate.private_key_file',
    );
  }
  try {
    return createPrivateKey(text).export({ type: 'pkcs8', format: 'pem' }).toString();
  } catch {
    throw new UserError(
      `${path} holds no readable PEM private key`,
      'give the unencrypted PEM private key of the certificate uploaded to the app registration',
    );
  }
}
