/**
 * A directory source backed by a saved Microsoft Graph `GET /v1.0/users` response, for
 * offline plans, demos and tests.
 *
 * Snapshot file format (JSON, UTF-8, an optional BOM is ignored), one of:
 *   - one page, as Graph returns it:
 *       { "@odata.context": "...", "value": [ user, ... ], "@odata.nextLink"?: "..." }
 *   - an array of such pages: a multi-page response saved as-is, page after page.
 * Any page may also carry a `"domains"` key next to `"value"`: the `value` array of Graph's
 * `GET /v1.0/domains`, e.g. `[{ "id": "acme.com", "isVerified": true }]`. Graph never writes
 * that key on a users page, so it cannot clash; `saveSnapshot` puts it on the (single) page it
 * writes, and a hand-assembled multi-page file keeps it on the first page. The domains of all
 * pages are merged. Without any `"domains"` key, the verified domains are the UPN domains of
 * the users (a snapshot of a real directory only holds UPNs of verified domains).
 *
 * Only the last page may lack `@odata.nextLink`; a last page that still has one means pages
 * were lost, and every missing user would become a leaver, so that is refused.
 */
import { readFile } from 'node:fs/promises';
import { UserError } from '../errors.js';
import { writePrivateFileSync } from '../fs/private-file.js';
import { DIRECTORY_USER_FIELDS, type DirectoryUser } from '../model/directory-user.js';
import { isJsonObject, mapGraphDomain, mapGraphUser, toGraphUser } from './graph-mapping.js';
import { jsonErrorPosition } from './json-error-position.js';
import type { DirectorySource } from './source.js';

/** What `saveSnapshot` writes as `@odata.context`, the way Graph words it for a `$select`. */
const SNAPSHOT_ODATA_CONTEXT = `https://graph.microsoft.com/v1.0/$metadata#users(${DIRECTORY_USER_FIELDS.join(',')})`;

export interface Snapshot {
  readonly users: DirectoryUser[];
  /** Lower case, sorted, without duplicates. */
  readonly verifiedDomains: string[];
}

export class SnapshotSource implements DirectorySource {
  private loaded: Promise<Snapshot> | undefined;

  /** `path` is used as given (resolve it against the tenant file first). */
  constructor(readonly path: string) {}

  async listUsers(): Promise<DirectoryUser[]> {
    return [...(await this.load()).users];
  }

  async verifiedDomains(): Promise<string[]> {
    return [...(await this.load()).verifiedDomains];
  }

  /** The file is read once per source, however often the two methods are called. */
  private load(): Promise<Snapshot> {
    this.loaded ??= readSnapshot(this.path);
    return this.loaded;
  }
}

/** Reads and checks a snapshot file; every problem is a `UserError` that names the file. */
export async function readSnapshot(path: string): Promise<Snapshot> {
  const doc = parseJson(path, await readText(path));
  const pages = pagesOf(path, doc);
  const users: DirectoryUser[] = [];
  const domains = new Map<string, boolean>();
  let sawDomains = false;
  pages.forEach((page, p) => {
    const where = pages.length > 1 ? `page ${p + 1}, ` : '';
    for (const [u, raw] of page.value.entries()) users.push(userAt(path, `${where}user ${u + 1}`, raw));
    if (page.domains !== undefined) {
      sawDomains = true;
      readDomains(path, where, page.domains, domains);
    }
  });
  checkUnique(path, users);
  const verified = sawDomains ? [...domains].filter(([, isVerified]) => isVerified).map(([id]) => id) : users.map((u) => upnDomain(u.userPrincipalName));
  return { users, verifiedDomains: [...new Set(verified)].sort() };
}

/**
 * Writes `users` and `domains` (verified, any case) as a one-page snapshot that
 * `SnapshotSource` reads back to the same users and domains. Mode 0600 (it holds directory
 * data: names, addresses, departments), written whole or not at all, never through a symlink
 * (see `fs/private-file.ts`).
 */
export async function saveSnapshot(path: string, users: readonly DirectoryUser[], domains: readonly string[]): Promise<void> {
  const page = {
    '@odata.context': SNAPSHOT_ODATA_CONTEXT,
    value: users.map(toGraphUser),
    domains: [...new Set(domains.map((d) => d.toLowerCase()))].map((id) => ({ id, isVerified: true })),
  };
  writePrivateFileSync(path, `${JSON.stringify(page, null, 2)}\n`, { what: 'directory snapshot' });
}

interface Page {
  readonly value: readonly unknown[];
  readonly domains: unknown;
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new UserError(`${path}: directory snapshot not found`, 'check source.path in the tenant file, or save one with `pbxsync discover --save`');
    }
    if (code === 'EISDIR' || code === 'EACCES' || code === 'EPERM') {
      throw new UserError(`${path}: cannot read the directory snapshot (${code})`);
    }
    throw error;
  }
}

function parseJson(path: string, text: string): unknown {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  try {
    return JSON.parse(body) as unknown;
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    const at = positionOf(body);
    throw new UserError(`${path}${at}: not valid JSON: ${jsonReason(error.message)}`, 'a snapshot is the JSON that Graph returns for GET /v1.0/users');
  }
}

/** `:line:col`, or '' when it cannot be found (e.g. nesting too deep for the scanner). */
function positionOf(text: string): string {
  try {
    const pos = jsonErrorPosition(text);
    return pos === null ? '' : `:${pos.line}:${pos.col}`;
  } catch {
    return '';
  }
}

/** The reason from a `JSON.parse` message, without the excerpt of the text V8 appends. */
function jsonReason(message: string): string {
  const reason = message.split(/, "|, \.\.\.| in JSON at position| \(line \d/)[0] ?? message;
  const line = reason.replace(/\s+/g, ' ').trim();
  return line.charAt(0).toLowerCase() + line.slice(1);
}

function pagesOf(path: string, doc: unknown): Page[] {
  const raw = Array.isArray(doc) ? doc : [doc];
  if (raw.length === 0) throw new UserError(`${path}: the snapshot holds no page`, 'an empty directory is `{ "value": [] }`');
  const pages = raw.map((page, p) => pageAt(path, raw.length > 1 ? `page ${p + 1}` : 'the snapshot', page));
  const last = raw[raw.length - 1] as Record<string, unknown>;
  if (typeof last['@odata.nextLink'] === 'string') {
    throw new UserError(
      `${path}: the last page has an @odata.nextLink, so the snapshot is missing pages (their users would become leavers)`,
      'save every page, following @odata.nextLink until there is none',
    );
  }
  return pages;
}

function pageAt(path: string, where: string, page: unknown): Page {
  if (!isJsonObject(page) || !Array.isArray(page.value)) {
    throw new UserError(`${path}: ${where} is not a Graph page (an object with a "value" array of users)`);
  }
  return { value: page.value as unknown[], domains: page.domains };
}

function userAt(path: string, where: string, raw: unknown): DirectoryUser {
  const mapped = mapGraphUser(raw);
  if (mapped.ok) return mapped.value;
  const id = isJsonObject(raw) && typeof raw.id === 'string' ? ` (id ${raw.id})` : '';
  throw new UserError(`${path}: ${where}${id} ${mapped.problem}`);
}

function readDomains(path: string, where: string, raw: unknown, into: Map<string, boolean>): void {
  if (!Array.isArray(raw)) throw new UserError(`${path}: ${where}"domains" must be an array like [{ "id": "acme.com", "isVerified": true }]`);
  raw.forEach((entry: unknown, d) => {
    const mapped = mapGraphDomain(entry);
    if (!mapped.ok) throw new UserError(`${path}: ${where}domain ${d + 1} ${mapped.problem}`);
    into.set(mapped.value.id, (into.get(mapped.value.id) ?? false) || mapped.value.isVerified);
  });
}

/** Object ids must be unique (Graph ids are GUIDs, compared without case); so must UPNs. */
function checkUnique(path: string, users: readonly DirectoryUser[]): void {
  for (const [key, label] of [
    ['id', 'object id'],
    ['userPrincipalName', 'userPrincipalName'],
  ] as const) {
    const seen = new Set<string>();
    for (const user of users) {
      const value = user[key].toLowerCase();
      if (seen.has(value)) {
        throw new UserError(`${path}: duplicate ${label} ${user[key]}`, 'each directory user must appear once; was a page saved twice?');
      }
      seen.add(value);
    }
  }
}

function upnDomain(upn: string): string {
  return upn.slice(upn.lastIndexOf('@') + 1).toLowerCase();
}
