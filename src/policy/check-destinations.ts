/**
 * Where a tenant file may send pbxsync: its credentials go to the authority host, its tokens
 * to Graph, database passwords to database servers, and it reads and writes files. A pull
 * request must not redirect any of that, so every destination is checked against the ISP's
 * policy when the file is loaded — before any connection is opened or any file touched.
 * Messages name a destination only when the file wrote it (a `${…}` stays a reference).
 */
import { dirname, isAbsolute } from 'node:path';
import type { PathProblem, YamlPath } from '../config/problem.js';
import type { TenantConfig } from '../model/tenant-config.js';
import { ISP_CONFIG_ENV } from './load-isp-config.js';
import { caFileAllowed, hostAllowed, pathAllowed, type HostRule, type IspPolicy } from './isp-policy.js';

export function checkDestinations(config: TenantConfig, isp: IspPolicy): PathProblem[] {
  return [...checkAzureHosts(config, isp), ...checkDatabases(config, isp), ...checkFiles(config, isp), ...checkCardAddresses(config, isp)];
}

const error = (path: YamlPath, message: string, hint: string): PathProblem => ({ severity: 'error', path, message, hint });

function where(isp: IspPolicy): string {
  return isp.file === null ? `pbxsync's defaults (no ISP configuration: ${ISP_CONFIG_ENV} is not set)` : `the ISP configuration ${isp.file}`;
}

function checkAzureHosts(config: TenantConfig, isp: IspPolicy): PathProblem[] {
  const source = config.source;
  if (source.type !== 'azure') return [];
  const problems: PathProblem[] = [];
  const check = (key: string, url: string, rules: readonly HostRule[], list: string) => {
    const parsed = safeUrl(url);
    if (parsed && !hostAllowed(rules, parsed.hostname, Number(parsed.port || 443), 443)) {
      problems.push(
        error(
          ['source', key],
          `source.${key} ${parsed.host} is not allowed by ${where(isp)}`,
          `credentials and tokens go only to hosts the ISP lists under allow.hosts.${list} (by default Microsoft's public clouds)`,
        ),
      );
    }
  };
  check('authority_host', source.authorityHost, isp.hosts.authority, 'authority');
  check('graph_endpoint', source.graphEndpoint, isp.hosts.graph, 'graph');
  if (source.caFile !== undefined && !caFileAllowed(isp, source.caFile)) {
    problems.push(
      error(
        ['source', 'ca_file'],
        `source.ca_file ${source.caFile} is not a certificate authority ${where(isp)} allows`,
        'an extra CA would let a tenant file vouch for any host: the ISP lists the ones tenant files may use under allow.ca_files',
      ),
    );
  }
  return problems;
}

function checkDatabases(config: TenantConfig, isp: IspPolicy): PathProblem[] {
  const problems: PathProblem[] = [];
  const check = (key: 'pbx' | 'state', url: string, label: string) => {
    if (!/^postgres(ql)?:\/\//i.test(url)) return;
    const parsed = safeUrl(url);
    const port = Number(parsed?.port || 5432);
    if (parsed && hostAllowed(isp.hosts.database, parsed.hostname || 'localhost', port, 5432)) return;
    // A host written in the file may be named; one that came from the environment may not.
    const named = label.includes('${') && !/^[^@]*\$\{[^}]*\}@[^$]*$/.test(label) ? `(${label})` : `${parsed?.hostname || 'localhost'}:${port}`;
    problems.push(
      error(
        [key, 'url'],
        `${key}.url names the database server ${named}, which ${where(isp)} does not allow`,
        'database passwords go only to servers the ISP lists under allow.hosts.database (host:port)',
      ),
    );
  };
  check('pbx', config.pbx.url, config.labels.pbxUrl);
  check('state', config.state.url, config.labels.stateUrl);
  return problems;
}

/** Files the tenant file names must lie in its own folder, or in folders the ISP allows. */
function checkFiles(config: TenantConfig, isp: IspPolicy): PathProblem[] {
  const dir = dirname(config.file);
  const files: [YamlPath, string | undefined][] = [
    [['source', 'path'], config.source.type === 'snapshot' ? config.source.path : undefined],
    [
      ['source', 'certificate', 'private_key_file'],
      config.source.type === 'azure' && config.source.credential.kind === 'certificate' ? config.source.credential.privateKeyFile : undefined,
    ],
    [['pbx', 'url'], config.pbx.url.startsWith('sqlite:') ? config.pbx.url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '') : undefined],
    [['state', 'url'], config.state.url.startsWith('file:') ? config.state.url.slice('file:'.length).replace(/^\/\/(?=\/)/, '') : undefined],
    [['spreadsheet', 'path'], config.spreadsheet.path],
    [['phones', 'path'], config.phones.path],
    [['cards', 'folder'], config.cards.folder],
    [['cards', 'font'], config.cards.font],
    [['provisioning', 'folder'], config.provisioning?.folder],
  ];
  return files
    .filter((f): f is [YamlPath, string] => f[1] !== undefined && isAbsolute(f[1]) && !pathAllowed(isp, dir, f[1]))
    .map(([path, file]) =>
      error(
        path,
        `${path.join('.')} names ${file}, outside the tenant file's folder, which ${where(isp)} does not allow`,
        `keep the file next to the tenant file, or ask the ISP to allow its folder (allow.paths)`,
      ),
    );
}

/**
 * What the cards send people to: a pull request must not point phones at its own
 * provisioning server, people at its own webphone, or Acrobits apps at its own cloud id.
 */
function checkCardAddresses(config: TenantConfig, isp: IspPolicy): PathProblem[] {
  const problems: PathProblem[] = [];
  const check = (path: YamlPath, url: string | undefined) => {
    const parsed = url === undefined ? undefined : safeUrl(url.replaceAll('{token}', 'token'));
    if (!parsed) return;
    const defaultPort = parsed.protocol === 'http:' ? 80 : 443;
    if (hostAllowed(isp.hosts.provisioning, parsed.hostname, Number(parsed.port || defaultPort), defaultPort)) return;
    problems.push(
      error(
        path,
        `${path.join('.')} names ${parsed.host}, which ${where(isp)} does not allow`,
        'the addresses on setup cards go only to hosts the ISP lists under allow.hosts.provisioning',
      ),
    );
  };
  check(['provisioning', 'url'], config.provisioning?.url);
  check(['cards', 'webphone_url'], config.cards.webphoneUrl);
  if (config.provisioning?.acrobits && isp.acrobitsCloudId === undefined) {
    problems.push(
      error(
        ['provisioning', 'acrobits'],
        `provisioning.acrobits needs the ISP's Acrobits cloud id, and ${where(isp)} has none`,
        'the ISP sets acrobits.cloud_id in its configuration; or leave provisioning.acrobits out',
      ),
    );
  }
  return problems;
}

function safeUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}
