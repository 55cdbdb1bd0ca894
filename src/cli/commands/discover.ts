/**
 * `pbxsync discover FILE`: the users in scope and the username and extension each would get
 * (what the next apply would give them), from the same pure core as `plan`. Progress goes to
 * stderr on a terminal only; `--save PATH` writes what was read as a snapshot that the
 * `snapshot` source reads back.
 */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { preparePlan } from '../../app/prepare-plan.js';
import type { DirectoryRead } from '../../app/read-directory.js';
import { saveSnapshot } from '../../directory/snapshot-source.js';
import { discoverTable } from '../../render/discover-table.js';
import { EXIT_OK } from '../exit-codes.js';
import { out, stderrLogger } from '../output.js';

interface DiscoverOptions {
  save?: string;
  deviceCode?: boolean;
}

export default async function discover(file: string, options: DiscoverOptions, _command: Command): Promise<number> {
  let read: DirectoryRead | undefined;
  const log = stderrLogger();
  const prepared = await preparePlan(file, process.env, log, {
    read: { deviceCode: options.deviceCode === true, deltaCache: false, onRead: (r) => (read = r) },
  });
  try {
    const { accounts, changes } = prepared.plan;
    const created = new Set(changes.flatMap((c) => (c.kind === 'create' && c.entity === 'subscriber' ? [c.after.objectId] : [])));
    out(discoverTable(accounts, created));
    out(`\n${accounts.length} users in scope of ${prepared.directory.length} read from the directory.\n`);
    if (options.save !== undefined && read !== undefined) {
      const path = resolve(options.save);
      await saveSnapshot(path, read.users, read.domains);
      log.info(`saved ${read.users.length} users to ${path} (use it with source.type: snapshot)`);
    }
    return EXIT_OK;
  } finally {
    await prepared.close();
  }
}
