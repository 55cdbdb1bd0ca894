/**
 * Checks that need the normalised config as a whole (ranges, pinned extensions, domains,
 * duplicate users). Pure; every problem carries the path of the offending node.
 */
import type { DirectoryUser } from '../model/directory-user.js';
import type { TenantConfig, UserOverride } from '../model/tenant-config.js';
import { describePath, type PathProblem, type Problem } from './problem.js';
import { locatorFor, toProblem, type Locator } from './yaml-positions.js';
import { checkPhones, checkPhoneTransport } from './phone-rules.js';
import { checkDestinations } from '../policy/check-destinations.js';
import { foldersOverlap } from '../fs/folders-overlap.js';
import { DEFAULT_POLICY, type IspPolicy } from '../policy/isp-policy.js';
import { ageRecipientProblem } from './age-recipient.js';

/** `isp`: what the ISP allows the file to reference (hosts, files, certificate authorities). */
export function checkSemantics(config: TenantConfig, isp: IspPolicy = DEFAULT_POLICY): PathProblem[] {
  return [
    ...checkAzureSource(config),
    ...checkDestinations(config, isp),
    ...checkDomains(config),
    ...checkRange(config),
    ...checkReserved(config),
    ...checkPinned(config),
    ...checkDuplicateUsers(config.users),
    ...checkPhones(config.users),
    ...checkPhoneTransport(config),
    ...checkRecipients(config, isp),
    ...checkProvisioningFolder(config),
  ];
}

/** The provisioning folder is served over HTTP; the cards folder holds everyone's passwords. */
function checkProvisioningFolder(config: TenantConfig): PathProblem[] {
  if (!config.provisioning || !foldersOverlap(config.cards.folder, config.provisioning.folder)) return [];
  return [
    error(
      ['provisioning', 'folder'],
      `provisioning.folder (${config.provisioning.folder}) and cards.folder (${config.cards.folder}) overlap: the provisioning server would serve everyone's cards`,
      'give the provisioning files a folder of their own, outside the cards folder',
    ),
  ];
}

const error = (path: PathProblem['path'], message: string, hint?: string): PathProblem =>
  hint === undefined ? { severity: 'error', path, message } : { severity: 'error', path, message, hint };

/**
 * The azure source's tenant and the shape of its hosts (whether they are allowed at all is
 * the ISP's policy, see `checkDestinations`; that the client secret comes from the
 * environment is the expansion policy's, see `tenant-env-policy.ts`).
 */
function checkAzureSource(config: TenantConfig): PathProblem[] {
  const source = config.source;
  if (source.type !== 'azure') return [];
  return [
    ...checkTenantAlias(source.tenantId),
    ...checkAzureHost('authority_host', source.authorityHost),
    ...checkAzureHost('graph_endpoint', source.graphEndpoint),
  ];
}

/** Entra ID's authority aliases for "any tenant": they name no directory of their own. */
const TENANT_ALIASES = ['common', 'organizations', 'consumers'] as const;

/**
 * App-only (client-credential) sign-in, which plan and apply use, needs the customer's own
 * directory; msal refuses the aliases outright. Device code (`discover --device-code`) could
 * sign in through `organizations`, but into whatever directory the admin's account belongs
 * to, which may not be the customer's: the file names one directory for every command. The
 * message names the alias in its canonical spelling only: the value may come from `${VAR}`.
 */
function checkTenantAlias(tenantId: string): PathProblem[] {
  const alias = TENANT_ALIASES.find((a) => a === tenantId.trim().toLowerCase());
  if (alias === undefined) return [];
  return [
    error(
      ['source', 'tenant_id'],
      `source.tenant_id '${alias}' is a multi-tenant alias; pbxsync signs in to one customer's directory`,
      "use the customer's directory (tenant) id or one of its verified domains; `common` is only for interactive multi-tenant sign-in",
    ),
  ];
}

/** Entra ID and Graph speak HTTPS only, and the Graph client wants a bare origin (no path). */
function checkAzureHost(key: string, url: string): PathProblem[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [error(['source', key], `source.${key} '${url}' is not a URL`)];
  }
  if (parsed.protocol !== 'https:')
    return [
      error(
        ['source', key],
        `source.${key} must be an https:// URL`,
        'Entra ID and Microsoft Graph are HTTPS only; for a local emulator, trust its certificate with source.ca_file',
      ),
    ];
  if (parsed.pathname !== '/' || parsed.search !== '')
    return [error(['source', key], `source.${key} must be scheme://host[:port] without a path`, `e.g. ${parsed.origin}`)];
  return [];
}

/** The schema's `hostname` format accepts `localhost` and `acme.com.`; a SIP domain needs more. */
export function domainProblem(domain: string): string | undefined {
  if (domain.endsWith('.')) return 'must not end with a dot';
  if (!domain.includes('.')) return 'must have at least one dot (e.g. acme.com)';
  return undefined;
}

function checkDomains(config: TenantConfig): PathProblem[] {
  const problems: PathProblem[] = [];
  const bad = domainProblem(config.domain);
  if (bad) problems.push(error(['domain'], `domain '${config.domain}' ${bad}`, 'give the fully qualified SIP domain, e.g. acme.com'));
  config.source.scope.domains.forEach((d, i) => {
    const why = domainProblem(d);
    if (why) problems.push(error(['source', 'scope', 'domains', i], `scope domain '${d}' ${why}`));
  });
  return problems;
}

function checkRange(config: TenantConfig): PathProblem[] {
  const { start, end } = config.extensions;
  if (end === undefined || end >= start) return [];
  return [error(['extensions', 'end'], `extensions.end (${end}) is below extensions.start (${start})`, 'end is the last number of the range, inclusive')];
}

function checkReserved(config: TenantConfig): PathProblem[] {
  const { start, end, reserved } = config.extensions;
  const problems: PathProblem[] = [];
  reserved.forEach((r, i) => {
    const path = ['extensions', 'reserved', i];
    if (r.from > r.to) {
      problems.push(error(path, `reserved range ${r.from}-${r.to} starts after it ends`, `write it as ${r.to}-${r.from}`));
    } else if (r.to < start || (end !== undefined && r.from > end)) {
      problems.push({
        severity: 'warning',
        path,
        message: `reserved ${showRange(r)} lies outside the extension range ${showRange({ from: start, to: end })} and has no effect`,
      });
    }
  });
  return problems;
}

function checkPinned(config: TenantConfig): PathProblem[] {
  const { start, end, reserved } = config.extensions;
  const problems: PathProblem[] = [];
  const pinnedBy = new Map<number, UserOverride>();
  for (const user of config.users) {
    const ext = user.extension;
    if (ext === undefined) continue;
    const path = [...user.path, 'extension'];
    const who = describePath(user.path);
    if (ext < start || (end !== undefined && ext > end)) {
      problems.push(
        error(
          path,
          `extension ${ext} of ${who} is outside the range ${showRange({ from: start, to: end })}`,
          'pin a number within extensions.start..end, or widen the range',
        ),
      );
    }
    const hit = reserved.find((r) => r.from <= ext && ext <= r.to);
    if (hit) problems.push(error(path, `extension ${ext} of ${who} is reserved (${showRange(hit)})`, 'pin a number that is not in extensions.reserved'));
    const first = pinnedBy.get(ext);
    if (first) {
      problems.push(error(path, `extension ${ext} of ${who} is already pinned to ${describePath(first.path)}`, 'every pinned extension must be unique'));
    } else {
      pinnedBy.set(ext, user);
    }
  }
  return problems;
}

/** Keys are lower-cased when normalised, so `Bob@acme.com` and `bob@acme.com` collide here. */
function checkDuplicateUsers(users: readonly UserOverride[]): PathProblem[] {
  const seen = new Map<string, UserOverride>();
  const problems: PathProblem[] = [];
  for (const user of users) {
    const key = `${user.match.by}:${user.match.value}`;
    const first = seen.get(key);
    if (first) {
      problems.push({
        ...error(
          user.path,
          `${describePath(user.path)} names the same user as ${describePath(first.path)}`,
          'UPNs and object ids are case-insensitive; merge the two entries',
        ),
        at: 'key',
      });
    } else {
      seen.set(key, user);
    }
  }
  return problems;
}

function showRange(r: { from: number; to: number | undefined }): string {
  if (r.to === undefined) return `${r.from} and up`;
  return r.from === r.to ? String(r.from) : `${r.from}-${r.to}`;
}

/**
 * Warnings for user overrides that name nobody in the directory; the CLI calls this once
 * it has read the directory. Positions come from the file `config` was loaded from.
 */
export function overridesMatchingNobody(config: TenantConfig, users: readonly DirectoryUser[], locator: Locator = locatorFor(config, config.file)): Problem[] {
  const upns = new Set(users.map((u) => u.userPrincipalName.toLowerCase()));
  const ids = new Set(users.map((u) => u.id.toLowerCase()));
  return config.users
    .filter((o) => !(o.match.by === 'upn' ? upns : ids).has(o.match.value))
    .map((o) =>
      toProblem(
        {
          severity: 'warning',
          path: o.path,
          at: 'key',
          message: `${describePath(o.path)} matches no directory user`,
          hint: 'check the spelling; overrides for users outside the source scope have no effect',
        },
        locator,
      ),
    );
}

/**
 * `spreadsheet.encrypt_to`: each an age public key with a valid checksum (the schema checks the
 * characters), and at least one where the ISP requires encrypted spreadsheets.
 */
function checkRecipients(config: TenantConfig, isp: IspPolicy): PathProblem[] {
  if (isp.files.requireEncryptedSpreadsheet && config.spreadsheet.encryptTo.length === 0) {
    return [
      error(
        ['spreadsheet'],
        'the ISP configuration requires an encrypted spreadsheet (files.require_encrypted_spreadsheet): set spreadsheet.encrypt_to',
        "list the customer's admin's age public key: spreadsheet: {encrypt_to: [age1…]} (age-keygen prints it)",
      ),
    ];
  }
  return config.spreadsheet.encryptTo.flatMap((recipient, i) => {
    const problem = ageRecipientProblem(recipient);
    return problem === undefined
      ? []
      : [
          error(
            ['spreadsheet', 'encrypt_to', i],
            `spreadsheet.encrypt_to[${i}] ${problem}`,
            'paste the public key line that age-keygen printed ("Public key: age1…"), or age-keygen -y key.txt',
          ),
        ];
  });
}
