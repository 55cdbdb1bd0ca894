/**
 * Loads the ISP configuration named by PBXSYNC_ISP_CONFIG (YAML or JSON), through the same
 * layers as tenant files: YAML with positions, keys that would touch prototypes refused, the
 * JSON Schema `schemas/isp.schema.json`, then the policy. It is trusted (it is the ISP's, not
 * a pull request's), so `${VAR}` is expanded anywhere in it.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { expandEnv, type Env } from '../config/expand-env.js';
import { formatProblem, hasErrors, type Problem } from '../config/problem.js';
import { validateAgainstSchema } from '../config/schema-validate.js';
import { parseYaml, toProblem } from '../config/yaml-positions.js';
import { UserError } from '../errors.js';
import { DEFAULT_POLICY, parseHostRule, type EnvField, type IspPolicy } from './isp-policy.js';

export const ISP_CONFIG_ENV = 'PBXSYNC_ISP_CONFIG';

interface RawIsp {
  allow?: {
    env?: string[];
    env_in?: EnvField[];
    hosts?: { authority?: string[]; graph?: string[]; database?: string[]; provisioning?: string[] };
    ca_files?: string[];
    paths?: string[];
  };
  files?: { pbx_mode?: '0600' | '0640' | '0660'; pbx_group?: string; require_encrypted_spreadsheet?: boolean };
  namespaces?: string[];
  dns?: { servers?: string[]; timeout_seconds?: number };
  registrar?: { hosts?: string[] };
  acrobits?: { cloud_id: string };
  kamailio?: { jsonrpc_url?: string; ctl_socket?: string; kamcmd?: string; timeout_seconds?: number };
  smtp?: {
    host: string;
    port?: number;
    security?: 'starttls' | 'tls';
    user?: string;
    password_env?: string;
    from: string;
    ca_file?: string;
    timeout_seconds?: number;
    password_in_body?: boolean;
  };
  softphone_hash?: { scheme: 'pbkdf2-sha256'; iterations?: number } | { scheme: 'scrypt'; n?: number; r?: number; p?: number };
}

/** An ISP configuration with errors: every problem, as file:line:col. */
export class IspConfigError extends UserError {
  constructor(readonly problems: readonly Problem[]) {
    super(
      problems
        .filter((p) => p.severity === 'error')
        .map(formatProblem)
        .join('\n') || 'invalid ISP configuration',
      `fix the ISP configuration named by ${ISP_CONFIG_ENV}`,
    );
    this.name = 'IspConfigError';
  }
}

const cache = new Map<string, IspPolicy>();

/** The policy in force: the ISP configuration's, or the defaults when PBXSYNC_ISP_CONFIG is unset. */
export async function loadIspPolicy(env: Env): Promise<IspPolicy> {
  const file = env[ISP_CONFIG_ENV];
  if (file === undefined || file === '') return DEFAULT_POLICY;
  const path = resolve(file);
  const known = cache.get(path);
  if (known) return known;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new UserError(
      `cannot read the ISP configuration ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)}), named by ${ISP_CONFIG_ENV}`,
      `check ${ISP_CONFIG_ENV}, or unset it to use the defaults`,
    );
  }
  const policy = ispPolicyFromText(text, file, path, env);
  cache.set(path, policy);
  return policy;
}

export function ispPolicyFromText(text: string, file: string, absolute: string, env: Env): IspPolicy {
  const parsed = parseYaml(text, file);
  const problems = [...parsed.problems];
  if (!hasErrors(problems)) {
    const expanded = expandEnv(parsed.value, env);
    const value = (expanded.value ?? {}) as RawIsp;
    const schema = validateAgainstSchema('isp.schema.json', value);
    const group =
      schema.length === 0 && value.files?.pbx_group !== undefined && (value.files.pbx_mode ?? '0600') === '0600'
        ? [
            {
              severity: 'error' as const,
              path: ['files', 'pbx_group'],
              message: 'files.pbx_group needs files.pbx_mode 0640 or 0660 (0600 gives the group nothing)',
            },
          ]
        : [];
    problems.push(...[...expanded.problems, ...schema, ...group].map((p) => toProblem(p, parsed.locator)));
    if (!hasErrors(problems)) return toPolicy(expanded.value ?? {}, absolute);
  }
  throw new IspConfigError(problems);
}

function toPolicy(raw: RawIsp, file: string): IspPolicy {
  const allow = raw.allow ?? {};
  const env = allow.env ?? [];
  const hosts = allow.hosts ?? {};
  return {
    file,
    env: { names: new Set(env.filter((e) => !e.endsWith('*'))), prefixes: env.filter((e) => e.endsWith('*')).map((e) => e.slice(0, -1)) },
    envIn: new Set(allow.env_in ?? []),
    hosts: {
      authority: hosts.authority ? hosts.authority.map(parseHostRule) : DEFAULT_POLICY.hosts.authority,
      graph: hosts.graph ? hosts.graph.map(parseHostRule) : DEFAULT_POLICY.hosts.graph,
      database: (hosts.database ?? []).map(parseHostRule),
      provisioning: (hosts.provisioning ?? []).map(parseHostRule),
    },
    caFiles: allow.ca_files ?? [],
    paths: allow.paths ?? [],
    files: {
      pbxMode: Number.parseInt(raw.files?.pbx_mode ?? '0600', 8),
      ...(raw.files?.pbx_group !== undefined ? { pbxGroup: raw.files.pbx_group } : {}),
      requireEncryptedSpreadsheet: raw.files?.require_encrypted_spreadsheet ?? false,
    },
    namespaces: (raw.namespaces ?? []).map((n) => n.toLowerCase().replace(/\.$/, '')),
    dns: { servers: raw.dns?.servers ?? [], timeoutMs: Math.round((raw.dns?.timeout_seconds ?? 5) * 1000) },
    registrarHosts: (raw.registrar?.hosts ?? []).map((h) => h.toLowerCase()),
    kamailio: kamailioControl(raw.kamailio),
    softphoneHash: softphoneHash(raw.softphone_hash),
    ...(raw.acrobits !== undefined ? { acrobitsCloudId: raw.acrobits.cloud_id } : {}),
    smtp: smtpConfig(raw.smtp),
  };
}

function smtpConfig(raw: RawIsp['smtp']): IspPolicy['smtp'] {
  if (raw === undefined) return null;
  const security = raw.security ?? 'starttls';
  return {
    host: raw.host,
    port: raw.port ?? (security === 'tls' ? 465 : 587),
    security,
    ...(raw.user !== undefined ? { user: raw.user } : {}),
    ...(raw.password_env !== undefined ? { passwordEnv: raw.password_env } : {}),
    from: raw.from,
    ...(raw.ca_file !== undefined ? { caFile: raw.ca_file } : {}),
    timeoutMs: Math.round((raw.timeout_seconds ?? 30) * 1000),
    passwordInBody: raw.password_in_body ?? false,
  };
}

function softphoneHash(raw: RawIsp['softphone_hash']): IspPolicy['softphoneHash'] {
  if (raw === undefined) return DEFAULT_POLICY.softphoneHash;
  if (raw.scheme === 'scrypt') return { scheme: 'scrypt', n: raw.n ?? 16384, r: raw.r ?? 8, p: raw.p ?? 1 };
  return { scheme: 'pbkdf2-sha256', iterations: raw.iterations ?? 1 };
}

function kamailioControl(raw: RawIsp['kamailio']): IspPolicy['kamailio'] {
  if (raw === undefined || (raw.jsonrpc_url === undefined && raw.ctl_socket === undefined)) return null;
  return {
    ...(raw.jsonrpc_url !== undefined ? { jsonrpcUrl: raw.jsonrpc_url } : {}),
    ...(raw.ctl_socket !== undefined ? { ctlSocket: raw.ctl_socket } : {}),
    kamcmd: raw.kamcmd ?? 'kamcmd',
    timeoutMs: Math.round((raw.timeout_seconds ?? 5) * 1000),
  };
}
