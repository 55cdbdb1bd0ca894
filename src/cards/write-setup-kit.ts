/**
 * Writes a tenant's setup kit: a card PDF per active user (USERNAME.pdf) and one with all of
 * them (TENANT-cards.pdf) in the cards folder, and a Linphone provisioning file per user
 * (TOKEN.xml) in the provisioning folder; every file mode 0600 and written only when its bytes
 * change, so a rerun or a rotation touches exactly the files whose content changed. What was
 * written is listed in a manifest in the cards folder (never in the served provisioning
 * folder, which would give the tokens away): files of leavers, renamed or rotated users that
 * the manifest names and the new kit does not are removed; no other file is touched. The
 * manifest holds bare names, each taken only if it has the form of a kit file (`*.pdf`,
 * 32 hex digits `.xml`) and only inside today's folders: a planted manifest removes nothing else.
 */
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { foldersOverlap } from '../fs/folders-overlap.js';
import { UserError } from '../errors.js';
import type { TenantConfig } from '../model/tenant-config.js';
import { writePrivateFileSync } from '../fs/private-file.js';
import { linphoneXml } from '../provisioning/linphone-xml.js';
import { cardOptions } from './card-options.js';
import { renderCardPdf, renderCardsPdf } from './render-card.js';
import type { CardEntry } from './setup-cards.js';

const MANIFEST = '.pbxsync-cards.json';

export interface KitResult {
  /** Files written (new or changed content), absolute. */
  readonly written: readonly string[];
  /** Files removed (leavers, renamed or rotated users), absolute. */
  readonly removed: readonly string[];
  /** Files left as they were (same content). */
  readonly unchanged: number;
}

interface Manifest {
  readonly format_version: 1;
  /** File names in the cards folder. */
  readonly cards: readonly string[];
  /** File names in the provisioning folder. */
  readonly provisioning: readonly string[];
}

const CARD_NAME = /^[A-Za-z0-9._-]+\.pdf$/;
const PROVISIONING_NAME = /^[0-9a-f]{32}\.xml$/;

export async function writeSetupKit(config: TenantConfig, entries: readonly CardEntry[]): Promise<KitResult> {
  checkFolders(config);
  const options = cardOptions(config);
  const files = new Map<string, Buffer>();
  for (const { card, token } of entries) {
    files.set(join(config.cards.folder, `${card.username}.pdf`), await renderCardPdf(card, options));
    if (token !== null && config.provisioning) files.set(join(config.provisioning.folder, `${token}.xml`), Buffer.from(linphoneXml(card), 'utf8'));
  }
  files.set(
    join(config.cards.folder, `${config.name}-cards.pdf`),
    await renderCardsPdf(
      entries.map((e) => e.card),
      options,
    ),
  );

  const folders = [config.cards.folder, ...(config.provisioning ? [config.provisioning.folder] : [])];
  for (const folder of folders) mkdirSync(folder, { recursive: true, mode: 0o700 });
  const manifestPath = join(config.cards.folder, MANIFEST);
  const before = readManifest(manifestPath, config);
  const written: string[] = [];
  let unchanged = 0;
  for (const [path, data] of files) {
    if (sameContent(path, data)) unchanged++;
    else {
      writePrivateFileSync(path, data, { what: path.endsWith('.xml') ? 'provisioning file' : 'setup card' });
      written.push(path);
    }
  }
  // Written before the removals: a crash in between leaves files the next run still knows.
  const names = (folder: string | undefined) =>
    [...files.keys()]
      .filter((f) => folder !== undefined && dirname(f) === folder)
      .map((f) => basename(f))
      .sort();
  const manifest: Manifest = { format_version: 1, cards: names(config.cards.folder), provisioning: names(config.provisioning?.folder) };
  writePrivateFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`, { what: 'cards manifest' });
  const removed: string[] = [];
  for (const path of before) {
    if (files.has(path) || !isRegularFile(path)) continue;
    rmSync(path, { force: true });
    removed.push(path);
  }
  return { written, removed, unchanged };
}

/** Checked with a position when the tenant file is loaded; again here, for callers of the library. */
function checkFolders(config: TenantConfig): void {
  if (!config.provisioning || !foldersOverlap(config.cards.folder, config.provisioning.folder)) return;
  throw new UserError(
    `provisioning.folder (${config.provisioning.folder}) and cards.folder (${config.cards.folder}) overlap: the provisioning server would serve everyone's cards`,
    'give the provisioning files a folder of their own, outside the cards folder',
  );
}

/** The kit files the last run wrote, as paths in today's folders. */
function readManifest(path: string, config: TenantConfig): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as Partial<Manifest>;
    const take = (list: unknown, pattern: RegExp, folder: string | undefined): string[] =>
      folder === undefined || !Array.isArray(list) ? [] : list.filter((n): n is string => typeof n === 'string' && pattern.test(n)).map((n) => join(folder, n));
    return [...take(parsed.cards, CARD_NAME, config.cards.folder), ...take(parsed.provisioning, PROVISIONING_NAME, config.provisioning?.folder)];
  } catch {
    // An unreadable manifest names nothing to remove; the new one replaces it.
    return [];
  }
}

function sameContent(path: string, data: Buffer): boolean {
  if (!isRegularFile(path)) return false;
  try {
    const stat = lstatSync(path);
    if ((stat.mode & 0o077) !== 0) return false; // rewritten, so that it becomes 0600 again
    return digest(readFileSync(path)) === digest(data);
  } catch {
    return false;
  }
}

function isRegularFile(path: string): boolean {
  try {
    return lstatSync(path).isFile();
  } catch {
    return false;
  }
}

function digest(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
