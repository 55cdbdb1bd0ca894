/**
 * `pbxsync azure consent-url FILE`: the admin-consent URL of the tenant's Entra app and the
 * application permissions it needs. Needs no secret: when only unset `${VAR}`s stop the file
 * from loading, they are left as written, so the command works before the secret is wired in.
 */
import type { Command } from 'commander';
import { loadWithoutSecrets } from '../../app/load-without-secrets.js';
import { adminConsentUrl, APPLICATION_PERMISSIONS } from '../../directory/azure/consent.js';
import { UserError } from '../../errors.js';
import { EXIT_OK } from '../exit-codes.js';
import { terminalText } from '../../render/safe-text.js';
import { out, stderrLogger } from '../output.js';

export default async function consentUrl(file: string, _options: unknown, _command: Command): Promise<number> {
  const config = await loadWithoutSecrets(file, stderrLogger());
  const source = config.source;
  if (source.type !== 'azure') throw new UserError(`${file}: source.type is ${source.type}; admin consent applies to an azure source`);
  // An id that came from the environment is never printed: the URL then shows its reference.
  out(`${adminConsentUrl({ ...source, tenantId: source.labels.tenantId, clientId: source.labels.clientId }).replace(/%24%7B([A-Za-z0-9_]+)%7D/g, '$${$1}')}\n`);
  if (source.labels.tenantId !== source.tenantId || source.labels.clientId !== source.clientId) {
    out('(put the values of the ${…} references into the URL before sending it)\n');
  }
  out(`\nA Global Administrator (or Privileged Role Administrator) of tenant ${terminalText(source.labels.tenantId)} opens this URL and accepts.\n`);
  out(`Application permissions (Microsoft Graph) that app ${terminalText(source.labels.clientId)} must list under API permissions:\n`);
  for (const p of APPLICATION_PERMISSIONS) out(`  ${p}\n`);
  return EXIT_OK;
}
