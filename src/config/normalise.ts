/**
 * Turns a schema-valid tenant file into the normalised `TenantConfig`: defaults filled in,
 * names lower-cased, relative paths made absolute against the tenant file's folder. Pure.
 */
import { isAbsolute, resolve } from 'node:path';
import type {
  AzureCredential,
  DeskPhone,
  DirectoryScope,
  ExtensionRange,
  FieldValues,
  PhoneSetup,
  SourceConfig,
  TenantConfig,
  UserOverride,
} from '../model/tenant-config.js';
import { PREFERENCE_FIELDS } from '../model/subscriber-fields.js';
import type { PathProblem } from './problem.js';

/** The tenant file as the schema allows it (snake_case, optional parts absent). */
export interface RawTenant {
  tenant: string;
  domain: string;
  source: RawSource;
  pbx: { url: string };
  extensions: { start: number; end?: number; reserved?: (number | string)[]; reuse?: 'never' | 'after-delete' };
  defaults?: RawFields;
  users?: Record<string, RawOverride>;
  leavers?: 'disable' | 'delete' | 'keep';
  safety?: { max_remove_share?: number; max_update_share?: number; min_existing?: number };
  spreadsheet?: {
    path?: string;
    encrypt_to?: string[];
    phone_setup?: { registrar?: string; outbound_proxy?: string; transport?: PhoneSetup['transport']; port?: number };
  };
  phones?: { path?: string };
  welcome?: { on_apply?: boolean; subject?: string };
  state?: { url?: string };
  credentials?: { store_plaintext?: boolean; key_id?: string };
  cards?: { folder?: string; paper?: 'A4' | 'Letter'; after_apply?: boolean; font?: string; webphone_url?: string };
  provisioning?: { folder: string; url: string; acrobits?: boolean };
}

interface RawScope {
  enabled_only?: boolean;
  members_only?: boolean;
  domains?: string[];
}

type RawSource =
  | { type: 'snapshot'; path: string; scope?: RawScope }
  | {
      type: 'azure';
      tenant_id: string;
      client_id: string;
      authority_host?: string;
      graph_endpoint?: string;
      groups?: string[];
      scope?: RawScope;
      client_secret?: string;
      certificate?: { private_key_file: string; thumbprint: string };
      ca_file?: string;
      delta?: boolean;
      max_wait_seconds?: number;
      request_timeout_seconds?: number;
    };

type RawFields = Record<string, string | number | boolean | { from: string; to: string }>;

type RawOverride = RawFields & {
  exclude?: boolean;
  adopt?: boolean;
  extension?: number;
  username?: string;
  email?: string;
  generation?: number;
  phones?: { mac: string; model: DeskPhone['model'] }[];
};

const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';
const DEFAULT_GRAPH_ENDPOINT = 'https://graph.microsoft.com';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `file` is the absolute path of the tenant file. Users keys that are neither a UPN nor an
 * object id are reported and left out of `config.users`.
 */
export function normaliseTenant(raw: RawTenant, file: string): { config: TenantConfig; problems: PathProblem[] } {
  const dir = resolve(file, '..');
  const domain = raw.domain.toLowerCase();
  const { users, problems } = normaliseUsers(raw.users ?? {});
  if (raw.source.type === 'azure' && raw.source.client_secret !== undefined && raw.source.certificate !== undefined) {
    problems.push({
      severity: 'error',
      path: ['source', 'certificate'],
      at: 'key',
      message: 'give either source.client_secret or source.certificate, not both',
    });
  }
  const config: TenantConfig = {
    file,
    name: raw.tenant,
    domain,
    source: normaliseSource(raw.source, dir),
    pbx: { url: resolveUrlPath(raw.pbx.url, 'sqlite:', dir) },
    extensions: {
      start: raw.extensions.start,
      ...(raw.extensions.end !== undefined ? { end: raw.extensions.end } : {}),
      reserved: (raw.extensions.reserved ?? []).map(toRange),
      reuse: raw.extensions.reuse ?? 'never',
    },
    defaults: preferenceFields(raw.defaults ?? {}),
    users,
    leavers: raw.leavers ?? 'disable',
    safety: {
      maxRemoveShare: raw.safety?.max_remove_share ?? 0.3,
      maxUpdateShare: raw.safety?.max_update_share ?? 0.5,
      minExisting: raw.safety?.min_existing ?? 10,
    },
    spreadsheet: spreadsheet(raw, dir, domain),
    phones: { path: resolve(dir, raw.phones?.path ?? `${raw.tenant}-phones`) },
    welcome: { onApply: raw.welcome?.on_apply ?? false, subject: raw.welcome?.subject ?? `Your phone account at ${raw.tenant}` },
    cards: {
      folder: resolve(dir, raw.cards?.folder ?? `${raw.tenant}-cards`),
      paper: raw.cards?.paper ?? 'A4',
      afterApply: raw.cards?.after_apply ?? false,
      ...(raw.cards?.font !== undefined ? { font: resolve(dir, raw.cards.font) } : {}),
      ...(raw.cards?.webphone_url !== undefined ? { webphoneUrl: raw.cards.webphone_url } : {}),
    },
    ...(raw.provisioning !== undefined
      ? {
          provisioning: {
            folder: resolve(dir, raw.provisioning.folder),
            url: raw.provisioning.url,
            acrobits: raw.provisioning.acrobits ?? false,
          },
        }
      : {}),
    state: { url: resolveUrlPath(raw.state?.url ?? `file:${raw.tenant}.pbxsync-state.json`, 'file:', dir) },
    labels: { pbxUrl: raw.pbx.url, stateUrl: raw.state?.url ?? `file:${raw.tenant}.pbxsync-state.json` },
    credentials: {
      storePlaintext: raw.credentials?.store_plaintext ?? false,
      ...(raw.credentials?.key_id !== undefined ? { keyId: raw.credentials.key_id } : {}),
    },
  };
  return { config, problems };
}

function normaliseSource(raw: RawSource, dir: string): SourceConfig {
  const scope = normaliseScope(raw.scope ?? {});
  if (raw.type === 'snapshot') return { type: 'snapshot', path: resolve(dir, raw.path), scope };
  return {
    type: 'azure',
    tenantId: raw.tenant_id,
    clientId: raw.client_id,
    labels: { tenantId: raw.tenant_id, clientId: raw.client_id },
    authorityHost: stripTrailingSlash(raw.authority_host ?? DEFAULT_AUTHORITY_HOST),
    graphEndpoint: stripTrailingSlash(raw.graph_endpoint ?? DEFAULT_GRAPH_ENDPOINT),
    groups: raw.groups ?? [],
    scope,
    credential: azureCredential(raw, dir),
    ...(raw.ca_file !== undefined ? { caFile: resolve(dir, raw.ca_file) } : {}),
    delta: raw.delta ?? true,
    maxWaitMs: Math.round((raw.max_wait_seconds ?? 120) * 1000),
    requestTimeoutMs: Math.round((raw.request_timeout_seconds ?? 60) * 1000),
  };
}

/** Both present is an error reported by `normaliseTenant`; the secret wins here. */
function azureCredential(raw: Extract<RawSource, { type: 'azure' }>, dir: string): AzureCredential {
  if (raw.client_secret !== undefined) return { kind: 'secret', secret: raw.client_secret };
  if (raw.certificate !== undefined) {
    return {
      kind: 'certificate',
      privateKeyFile: resolve(dir, raw.certificate.private_key_file),
      thumbprint: raw.certificate.thumbprint.toLowerCase(),
    };
  }
  return { kind: 'none' };
}

function normaliseScope(raw: RawScope): DirectoryScope {
  return {
    enabledOnly: raw.enabled_only ?? true,
    membersOnly: raw.members_only ?? true,
    domains: (raw.domains ?? []).map((d) => d.toLowerCase()),
  };
}

/** With `encrypt_to`, apply writes the age file `PATH.age` instead of the .xlsx (never both). */
function spreadsheet(raw: RawTenant, dir: string, domain: string): TenantConfig['spreadsheet'] {
  const encryptTo = raw.spreadsheet?.encrypt_to ?? [];
  const xlsx = resolve(dir, raw.spreadsheet?.path ?? `${raw.tenant}-credentials.xlsx`);
  return {
    path: encryptTo.length > 0 ? `${xlsx}.age` : xlsx,
    phoneSetup: phoneSetup(raw.spreadsheet?.phone_setup ?? {}, domain),
    encryptTo,
  };
}

function phoneSetup(raw: NonNullable<NonNullable<RawTenant['spreadsheet']>['phone_setup']>, domain: string): PhoneSetup {
  const transport = raw.transport ?? 'udp';
  const defaultPort = transport === 'tls' ? 5061 : transport === 'wss' ? 443 : 5060;
  return {
    registrar: raw.registrar ?? domain,
    ...(raw.outbound_proxy !== undefined ? { outboundProxy: raw.outbound_proxy } : {}),
    transport,
    port: raw.port ?? defaultPort,
  };
}

/** `sqlite:db.sqlite` → `sqlite:/abs/dir/db.sqlite`; other schemes and `:memory:` stay as they are. */
function resolveUrlPath(url: string, scheme: string, dir: string): string {
  if (!url.startsWith(scheme)) return url;
  const rest = url.slice(scheme.length);
  if (rest === '' || rest === ':memory:' || isAbsolute(rest)) return url;
  return scheme + resolve(dir, rest);
}

/** `1900` → 1900..1900, `"1900-1999"` → 1900..1999 (an inverted range is kept for the semantic check). */
function toRange(item: number | string): ExtensionRange {
  if (typeof item === 'number') return { from: item, to: item };
  const [from = '0', to = '0'] = item.split('-');
  return { from: Number(from), to: Number(to) };
}

function preferenceFields(raw: RawFields): FieldValues {
  const out: FieldValues = {};
  for (const { key } of PREFERENCE_FIELDS) {
    const v = raw[key];
    if (v === undefined) continue;
    out[key] = typeof v === 'object' ? `${v.from}/${v.to}` : v;
  }
  return out;
}

function normaliseUsers(raw: Record<string, RawOverride>): { users: UserOverride[]; problems: PathProblem[] } {
  const users: UserOverride[] = [];
  const problems: PathProblem[] = [];
  for (const [key, o] of Object.entries(raw)) {
    const by = key.includes('@') ? 'upn' : GUID.test(key) ? 'id' : undefined;
    if (by === undefined) {
      problems.push({
        severity: 'error',
        path: ['users', key],
        at: 'key',
        message: `users key '${key}' is neither a UPN nor an object id`,
        hint: 'name a user by UPN (bob@acme.com) or by directory object id (a GUID)',
      });
      continue;
    }
    users.push({
      match: { by, value: key.toLowerCase() },
      exclude: o.exclude ?? false,
      adopt: o.adopt ?? false,
      ...(o.extension !== undefined ? { extension: o.extension } : {}),
      ...(o.username !== undefined ? { username: o.username } : {}),
      ...(o.email !== undefined ? { email: o.email } : {}),
      ...(o.generation !== undefined ? { generation: o.generation } : {}),
      phones: (o.phones ?? []).map((p) => ({ mac: p.mac, model: p.model })),
      fields: preferenceFields(o),
      path: ['users', key],
    });
  }
  return { users, problems };
}

function stripTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
