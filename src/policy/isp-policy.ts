/**
 * The ISP's policy for tenant files: what a pull request may reference (environment
 * variables, hosts, certificate authorities, files) and how pbxsync creates the files that
 * hold password-equivalent hashes. It comes from the ISP configuration (PBXSYNC_ISP_CONFIG),
 * which lives outside the tenant repository; without one, the defaults below hold, and they
 * are strict: no variable, Microsoft's public clouds only, no database server, no extra CA,
 * files only in the tenant file's own folder.
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { DEFAULT_SOFTPHONE_HASH, type SoftphoneHashPolicy } from '../credentials/softphone-hash.js';

export interface HostRule {
  /** Lower case; `*.example.net` matches every subdomain of example.net (not example.net itself). */
  readonly host: string;
  /** A port, `*` for any, or null for the scheme's default port only. */
  readonly port: number | '*' | null;
}

export type EnvField = 'pbx.url' | 'state.url' | 'source.tenant_id' | 'source.client_id' | 'source.certificate.thumbprint';

export interface IspPolicy {
  /** The ISP configuration file, or null when the defaults apply. */
  readonly file: string | null;
  readonly env: { readonly names: ReadonlySet<string>; readonly prefixes: readonly string[] };
  /** Tenant-file keys that may take `${VAR}` beyond the credentials. */
  readonly envIn: ReadonlySet<EnvField>;
  readonly hosts: {
    readonly authority: readonly HostRule[];
    readonly graph: readonly HostRule[];
    readonly database: readonly HostRule[];
    readonly provisioning: readonly HostRule[];
  };
  /** Absolute CA files, or folders ending in `/`. */
  readonly caFiles: readonly string[];
  /** Absolute folders tenant files may name files in, besides their own. */
  readonly paths: readonly string[];
  /** `requireEncryptedSpreadsheet`: every tenant file must set `spreadsheet.encrypt_to`. */
  readonly files: { readonly pbxMode: number; readonly pbxGroup?: string; readonly requireEncryptedSpreadsheet: boolean };
  /** The ISP's own namespaces (lower case): domains at or under them need no DNS verification. */
  readonly namespaces: readonly string[];
  /** DNS servers (`host[:port]`; empty = the system's) and the time limit of one query. */
  readonly dns: { readonly servers: readonly string[]; readonly timeoutMs: number };
  /** The registrar's host names, for the SIP records check (empty: no check). */
  readonly registrarHosts: readonly string[];
  /** How to tell Kamailio about an apply, or null when it is not told. */
  readonly kamailio: KamailioControlConfig | null;
  /** The stored form of softphone passwords. */
  readonly softphoneHash: SoftphoneHashPolicy;
  /** The SMTP server welcome e-mails go through, or null when none is configured. */
  readonly smtp: SmtpConfig | null;
  /** The ISP's Acrobits cloud id, for the csc: code on setup cards. */
  readonly acrobitsCloudId?: string;
}

export interface SmtpConfig {
  readonly host: string;
  readonly port: number;
  readonly security: 'starttls' | 'tls';
  readonly user?: string;
  /** Name of the environment variable with the password (read when mail is sent). */
  readonly passwordEnv?: string;
  readonly from: string;
  readonly caFile?: string;
  readonly timeoutMs: number;
  readonly passwordInBody: boolean;
}

export interface KamailioControlConfig {
  readonly jsonrpcUrl?: string;
  readonly ctlSocket?: string;
  readonly kamcmd: string;
  readonly timeoutMs: number;
}

/** Microsoft's public clouds: global, US Government (L4, L5/DoD), China (21Vianet). */
const PUBLIC_AUTHORITY_HOSTS = ['login.microsoftonline.com', 'login.microsoftonline.us', 'login.chinacloudapi.cn', 'login.partner.microsoftonline.cn'];
const PUBLIC_GRAPH_HOSTS = ['graph.microsoft.com', 'graph.microsoft.us', 'dod-graph.microsoft.us', 'microsoftgraph.chinacloudapi.cn'];

export function parseHostRule(text: string): HostRule {
  const bracketed = /^\[([^\]]+)\](?::(\d+|\*))?$/.exec(text);
  const [host, port] = bracketed ? [`[${bracketed[1]!.toLowerCase()}]`, bracketed[2]] : splitHostPort(text);
  return { host: host.toLowerCase(), port: port === undefined ? null : port === '*' ? '*' : Number(port) };
}

function splitHostPort(text: string): [string, string | undefined] {
  const at = text.lastIndexOf(':');
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

export const DEFAULT_POLICY: IspPolicy = {
  file: null,
  env: { names: new Set(), prefixes: [] },
  envIn: new Set(),
  hosts: { authority: PUBLIC_AUTHORITY_HOSTS.map(parseHostRule), graph: PUBLIC_GRAPH_HOSTS.map(parseHostRule), database: [], provisioning: [] },
  caFiles: [],
  paths: [],
  files: { pbxMode: 0o600, requireEncryptedSpreadsheet: false },
  namespaces: [],
  dns: { servers: [], timeoutMs: 5000 },
  registrarHosts: [],
  kamailio: null,
  softphoneHash: DEFAULT_SOFTPHONE_HASH,
  smtp: null,
};

/** Whether `domain` is one of the ISP's namespaces or lies under one. */
export function inNamespace(policy: IspPolicy, domain: string): boolean {
  const d = domain.toLowerCase();
  return policy.namespaces.some((n) => d === n || d.endsWith(`.${n}`));
}

/** pbxsync's own variables (the master key above all) never reach a tenant file. */
export function isPbxsyncVariable(name: string): boolean {
  return name.toUpperCase().startsWith('PBXSYNC_');
}

export function envAllowed(policy: IspPolicy, name: string): boolean {
  if (isPbxsyncVariable(name)) return false;
  return policy.env.names.has(name) || policy.env.prefixes.some((p) => name.startsWith(p));
}

/** Whether `host:port` (port as the URL gives it, or the scheme's default) is one of `rules`. */
export function hostAllowed(rules: readonly HostRule[], host: string, port: number, defaultPort: number): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return rules.some((r) => hostMatches(r.host, name) && (r.port === '*' || (r.port ?? defaultPort) === port));
}

function hostMatches(rule: string, host: string): boolean {
  if (rule === '*') return true; // only from code (tests); the ISP schema does not allow it
  if (rule.startsWith('*.')) return host.endsWith(rule.slice(1)) && host.length > rule.length - 1;
  return rule === host;
}

/** Whether an absolute path lies in `folder` (itself or below; no `..` escape). */
function isInside(folder: string, path: string): boolean {
  const rel = relative(resolve(folder), resolve(path));
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

export function pathAllowed(policy: IspPolicy, tenantDir: string, path: string): boolean {
  return isInside(tenantDir, path) || policy.paths.some((folder) => isInside(folder, path));
}

export function caFileAllowed(policy: IspPolicy, path: string): boolean {
  return policy.caFiles.some((entry) => (entry.endsWith('/') ? isInside(entry, path) : resolve(entry) === resolve(path)));
}
