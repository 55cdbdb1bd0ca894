import { octal } from '../../fs/file-access.js';
import type { SqliteFileFacts } from '../../fs/sqlite-files.js';
import { openPbx, type OpenPbxOptions } from '../../pbx/open-pbx.js';
import { SqlitePbxProvider } from '../../pbx/sqlite-provider.js';
import { EXIT_OK } from '../exit-codes.js';
import { stderrLogger } from '../output.js';
import { loadIspPolicy } from '../../policy/load-isp-config.js';

export default async function pbxInit(url: string, options: { sqlDir?: string } & Pick<OpenPbxOptions, 'fileMode' | 'fileGroup'>): Promise<number> {
  // The modes of a new SQLite database are the ISP's policy (files.pbx_mode, files.pbx_group).
  const isp = await loadIspPolicy(process.env);
  const fileMode = options.fileMode ?? isp.files.pbxMode;
  const fileGroup = options.fileGroup ?? isp.files.pbxGroup;
  const pbx = await openPbx(url, process.cwd(), { sqlDir: options.sqlDir, fileMode, ...(fileGroup !== undefined ? { fileGroup } : {}) });
  try {
    await pbx.init();
    // The URL may hold a password: name only its scheme and what follows the '@'.
    stderrLogger().info(`Kamailio 5.6 tables ready in ${url.replace(/\/\/[^@/]*@/, '//')}`);
    if (pbx instanceof SqlitePbxProvider) {
      for (const line of kamailioAccessNotice(pbx.fileFacts())) process.stderr.write(`${line}\n`);
    }
    return EXIT_OK;
  } finally {
    await pbx.close();
  }
}

/**
 * How Kamailio gets to read an SQLite PBX database that is private: two lines. A WAL-mode
 * database also needs its `-shm` writable by every reader, Kamailio included, and SQLite
 * creates `-wal` and `-shm` in the folder when they are missing.
 */
export function kamailioAccessNotice(facts: SqliteFileFacts): string[] {
  const { path, mode, owner, group, shmPath } = facts;
  const shm = `Kamailio also needs write access to ${shmPath} (WAL mode) and, when SQLite must create it, to the folder`;
  if ((mode & 0o004) !== 0) return [`${path} is mode ${octal(mode)}: every local user can read its HA1 hashes`, `${shm}.`];
  if ((mode & 0o040) === 0) {
    return [
      `${path} is mode ${octal(mode)}, for its owner (${owner}) only: Kamailio can read it if it runs as ${owner}, or once it gets group access (e.g. files.pbx_group: kamailio in the ISP configuration)`,
      `${shm}.`,
    ];
  }
  const groupWrite = (mode & 0o020) !== 0 ? '.' : `: mode ${octal(mode)} does not let group ${group} write it, 0660 does.`;
  return [`${path} is mode ${octal(mode)}, group ${group}: Kamailio can read it if it runs as ${owner} or in group ${group}`, `${shm}${groupWrite}`];
}
