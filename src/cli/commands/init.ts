/**
 * `pbxsync init FILE --tenant NAME --domain DOMAIN --start N (--snapshot PATH | --tenant-id
 * ID --client-id ID --client-secret-env VAR)`: writes a new, commented tenant file listing
 * every directory user in scope, ready to edit. The options become settings here; the rest is
 * `initTenantFile`.
 */
import { dirname, relative, resolve, sep } from 'node:path';
import { initTenantFile } from '../../app/init-tenant.js';
import { parseDefaultAssignment } from '../../config/default-assignment.js';
import type { InitSettings, InitSource } from '../../config/init-skeleton.js';
import { UserError } from '../../errors.js';
import { terminalText } from '../../render/safe-text.js';
import { EXIT_OK } from '../exit-codes.js';
import { stderrLogger } from '../output.js';

interface InitOptions {
  tenant: string;
  domain: string;
  start: string;
  end?: string;
  snapshot?: string;
  tenantId?: string;
  clientId?: string;
  clientSecretEnv?: string;
  certificateKeyEnv?: string;
  certificateThumbprint?: string;
  authorityHost?: string;
  graphEndpoint?: string;
  caFile?: string;
  pbx: string;
  set?: string[];
  scopeDomain?: string[];
}

export default async function init(file: string, options: InitOptions): Promise<number> {
  const folder = dirname(resolve(file));
  const settings: InitSettings = {
    tenant: options.tenant,
    domain: options.domain.toLowerCase(),
    start: wholeNumber('--start', options.start),
    ...(options.end !== undefined ? { end: wholeNumber('--end', options.end) } : {}),
    source: sourceOf(options, folder),
    pbxUrl: options.pbx,
    scopeDomains: (options.scopeDomain ?? []).map((d) => d.toLowerCase()),
    defaults: Object.fromEntries(
      (options.set ?? []).map((text) => {
        const { key, value } = parseDefaultAssignment(text);
        return [key, value];
      }),
    ),
  };
  const tty = process.stderr.isTTY === true;
  const progress = tty ? (n: number) => process.stderr.write(`\rreading the directory: ${n} users`) : undefined;
  const result = await initTenantFile(file, settings, process.env, stderrLogger(), progress).finally(() => {
    if (tty) process.stderr.write('\r\x1b[K');
  });
  const { inScope, read, otherDomains } = result.summary;
  const elsewhere = Object.keys(otherDomains);
  process.stderr.write(
    [
      `Wrote ${file}: ${inScope} users in scope of ${read} read from the directory, each listed under users: by object id.`,
      ...(inScope === 0 && elsewhere.length > 0
        ? [
            `note: no UPN is in the scope's domains; the directory's users are in ${elsewhere.slice(0, 5).map(terminalText).join(', ')}: choose with --scope-domain (or edit source.scope.domains)`,
          ]
        : []),
      `Next: edit it (defaults, { exclude: true } for users without a phone), then pbxsync validate ${file} and pbxsync plan ${file}.`,
      '',
    ].join('\n'),
  );
  return EXIT_OK;
}

function wholeNumber(option: string, text: string): number {
  if (/^[0-9]{1,8}$/.test(text) && Number(text) >= 1) return Number(text);
  throw new UserError(`${option} takes a whole number from 1 to 99999999, not ${JSON.stringify(text)}`, `e.g. ${option} 1001`);
}

function sourceOf(o: InitOptions, folder: string): InitSource {
  const azure = [o.tenantId, o.clientId, o.clientSecretEnv, o.certificateKeyEnv, o.certificateThumbprint].some((v) => v !== undefined);
  if (o.snapshot !== undefined && azure)
    throw new UserError('give --snapshot or the Entra ID options (--tenant-id, --client-id, --client-secret-env), not both');
  if (o.snapshot !== undefined) return { type: 'snapshot', path: fromFile(folder, o.snapshot) };
  if (!azure)
    throw new UserError(
      'init needs a directory to read: --snapshot PATH, or --tenant-id, --client-id and --client-secret-env for Entra ID',
      'e.g. --snapshot acme-directory.json (from pbxsync discover --save)',
    );
  if (o.tenantId === undefined || o.clientId === undefined || (o.clientSecretEnv === undefined && o.certificateKeyEnv === undefined)) {
    throw new UserError(
      'an Entra ID source needs --tenant-id, --client-id and --client-secret-env',
      'e.g. --tenant-id contoso.onmicrosoft.com --client-id 0c8a5f3e-… --client-secret-env ACME_GRAPH_SECRET (or --certificate-key-env with --certificate-thumbprint)',
    );
  }
  return {
    type: 'azure',
    tenantId: o.tenantId,
    clientId: o.clientId,
    credential: credentialOf(o),
    ...(o.authorityHost !== undefined ? { authorityHost: o.authorityHost } : {}),
    ...(o.graphEndpoint !== undefined ? { graphEndpoint: o.graphEndpoint } : {}),
    ...(o.caFile !== undefined ? { caFile: fromFile(folder, o.caFile) } : {}),
  };
}

function credentialOf(o: InitOptions): Extract<InitSource, { type: 'azure' }>['credential'] {
  if (o.clientSecretEnv !== undefined && o.certificateKeyEnv !== undefined) throw new UserError('give --client-secret-env or --certificate-key-env, not both');
  if (o.clientSecretEnv !== undefined) return { kind: 'secret', env: variableName('--client-secret-env', o.clientSecretEnv) };
  if (o.certificateThumbprint === undefined)
    throw new UserError('--certificate-key-env needs --certificate-thumbprint', 'the thumbprint as the Entra admin center shows it (SHA-1 or SHA-256 hex)');
  return { kind: 'certificate', keyFileEnv: variableName('--certificate-key-env', o.certificateKeyEnv!), thumbprint: o.certificateThumbprint };
}

function variableName(option: string, name: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return name;
  throw new UserError(
    `${option} takes the name of an environment variable, not ${JSON.stringify(name)}`,
    `e.g. ${option} ACME_GRAPH_SECRET (the file then says \${ACME_GRAPH_SECRET})`,
  );
}

/** A path given on the command line, as the tenant file in `folder` names it. */
function fromFile(folder: string, path: string): string {
  return relative(folder, resolve(path)).split(sep).join('/') || '.';
}
