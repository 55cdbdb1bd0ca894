/**
 * Makes the phones' folder hold exactly the provisioning files wanted: each written (0600,
 * whole or not at all) only when its content differs, and every file of a provisioning name
 * (`<mac>.cfg`, `<mac>-phone.cfg`, `cfg<mac>.xml`, `000000000000.cfg`) that is not wanted any
 * more removed: a leaver's phone, a phone taken out of the file. Other files are left alone.
 * The folder is one tenant's: a marker file names it, and another tenant's apply, or a folder
 * that already holds provisioning files pbxsync did not write, is refused before anything
 * is touched, so that no tenant removes or overwrites another's phones.
 */
import { lstatSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { writePrivateFileSync } from '../fs/private-file.js';
import type { PhoneFile } from './provisioning-files.js';

export interface PhoneFilesResult {
  readonly written: readonly string[];
  readonly removed: readonly string[];
  readonly unchanged: number;
}

const PROVISIONING_NAME = /^(?:[0-9a-f]{12}\.cfg|[0-9a-f]{12}-phone\.cfg|cfg[0-9a-f]{12}\.xml)$/;

const OWNER_FILE = '.pbxsync-tenant';

export function writePhoneFiles(folder: string, tenant: string, files: readonly PhoneFile[]): PhoneFilesResult {
  try {
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    claimFolder(folder, tenant);
    const wanted = new Map(files.map((f) => [f.name, f.content]));
    const written: string[] = [];
    let unchanged = 0;
    for (const [name, content] of wanted) {
      const path = join(folder, name);
      if (sameContent(path, content)) {
        unchanged++;
        continue;
      }
      writePrivateFileSync(path, content, { what: 'phone provisioning file' });
      written.push(name);
    }
    const removed = readdirSync(folder)
      .filter((name) => PROVISIONING_NAME.test(name) && !wanted.has(name))
      .sort();
    for (const name of removed) rmSync(join(folder, name), { force: true });
    return { written: written.sort(), removed, unchanged };
  } catch (err) {
    if (err instanceof UserError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new UserError(`cannot write the phone provisioning files in ${folder} (${code})`, 'check that the folder (phones.path) is writable by this user');
  }
}

function claimFolder(folder: string, tenant: string): void {
  const marker = join(folder, OWNER_FILE);
  let owner: string | null = null;
  try {
    owner = readFileSync(marker, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (owner === tenant) return;
  if (owner !== null) {
    throw new UserError(
      `the phones folder ${folder} belongs to tenant ${owner} (${OWNER_FILE}); nothing in it was changed`,
      'give each tenant its own phones.path',
    );
  }
  const foreign = readdirSync(folder).filter((name) => PROVISIONING_NAME.test(name));
  if (foreign.length > 0) {
    throw new UserError(
      `the phones folder ${folder} holds provisioning files pbxsync did not write (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''}); nothing in it was changed`,
      `give the tenant a folder of its own in phones.path, or move those files away`,
    );
  }
  writePrivateFileSync(marker, `${tenant}\n`, { what: 'phones folder marker' });
}

/** A regular file (never a symlink) that holds exactly `content` with owner-only access. */
function sameContent(path: string, content: string): boolean {
  try {
    const st = lstatSync(path);
    if (!st.isFile() || (st.mode & 0o077) !== 0) return false;
    return readFileSync(path, 'utf8') === content;
  } catch {
    return false;
  }
}
