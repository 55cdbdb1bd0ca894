/** `pbxsync key id`: the one-way id of the master key this run would use (safe to print and compare). */
import { loadMasterKey } from '../../credentials/master-key.js';
import { EXIT_OK } from '../exit-codes.js';
import { out, stderrLogger } from '../output.js';

export default async function keyId(): Promise<number> {
  const key = loadMasterKey(process.env);
  out(`${key.id}\n`);
  stderrLogger().info(`(from ${key.origin})`);
  return EXIT_OK;
}
