/**
 * What `pbxsync init` was told (tenant, domain, start, source, PBX, defaults) as the tenant
 * file's own shape, before any user is added; and, for messages, which option each key came
 * from. Pure.
 */
import type { RawTenant } from './normalise.js';
import type { YamlPath } from './problem.js';

export type InitSource =
  /** `path`: the snapshot, relative to the tenant file's folder. */
  | { readonly type: 'snapshot'; readonly path: string }
  | {
      readonly type: 'azure';
      readonly tenantId: string;
      readonly clientId: string;
      /** How the app signs in: the environment variable with its client secret, or with its certificate's key file. */
      readonly credential:
        { readonly kind: 'secret'; readonly env: string } | { readonly kind: 'certificate'; readonly keyFileEnv: string; readonly thumbprint: string };
      readonly authorityHost?: string;
      readonly graphEndpoint?: string;
      /** Relative to the tenant file's folder. */
      readonly caFile?: string;
    };

export interface InitSettings {
  readonly tenant: string;
  readonly domain: string;
  readonly start: number;
  readonly end?: number;
  readonly source: InitSource;
  readonly pbxUrl: string;
  /** UPN domains in scope; empty: the SIP domain. */
  readonly scopeDomains: readonly string[];
  readonly defaults: NonNullable<RawTenant['defaults']>;
}

export function tenantSkeleton(s: InitSettings): RawTenant {
  const scope = { enabled_only: true, members_only: true, domains: s.scopeDomains.length > 0 ? [...s.scopeDomains] : [s.domain] };
  const source: RawTenant['source'] =
    s.source.type === 'snapshot'
      ? { type: 'snapshot', path: s.source.path, scope }
      : {
          type: 'azure',
          tenant_id: s.source.tenantId,
          client_id: s.source.clientId,
          ...(s.source.credential.kind === 'secret'
            ? { client_secret: `\${${s.source.credential.env}}` }
            : { certificate: { private_key_file: `\${${s.source.credential.keyFileEnv}}`, thumbprint: s.source.credential.thumbprint } }),
          ...(s.source.authorityHost !== undefined ? { authority_host: s.source.authorityHost } : {}),
          ...(s.source.graphEndpoint !== undefined ? { graph_endpoint: s.source.graphEndpoint } : {}),
          ...(s.source.caFile !== undefined ? { ca_file: s.source.caFile } : {}),
          scope,
        };
  return {
    tenant: s.tenant,
    domain: s.domain,
    source,
    pbx: { url: s.pbxUrl },
    extensions: { start: s.start, ...(s.end !== undefined ? { end: s.end } : {}) },
    ...(Object.keys(s.defaults).length > 0 ? { defaults: s.defaults } : {}),
    leavers: 'disable',
  };
}

const OPTIONS: Readonly<Record<string, string>> = {
  tenant: '--tenant',
  domain: '--domain',
  'source.path': '--snapshot',
  'source.tenant_id': '--tenant-id',
  'source.client_id': '--client-id',
  'source.client_secret': '--client-secret-env',
  'source.certificate.private_key_file': '--certificate-key-env',
  'source.certificate.thumbprint': '--certificate-thumbprint',
  'source.authority_host': '--authority-host',
  'source.graph_endpoint': '--graph-endpoint',
  'source.ca_file': '--ca-file',
  'source.scope.domains': '--scope-domain',
  'pbx.url': '--pbx',
  'extensions.start': '--start',
  'extensions.end': '--end',
};

/** The option of `init` that set the key at `path` (`--set KEY` for a default). */
export function optionAt(path: YamlPath): string {
  if (path[0] === 'defaults' && path[1] !== undefined) return `--set ${String(path[1])}`;
  for (let n = path.length; n > 0; n--) {
    const option = OPTIONS[path.slice(0, n).join('.')];
    if (option !== undefined) return option;
  }
  return 'the options';
}
