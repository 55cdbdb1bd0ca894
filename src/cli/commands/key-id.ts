/** `pbxsync key id`: the one-way id of the master key this run would use (safe to print and compare). */
import { loadMasterKey } from '../../credentials/master-key.js';
import { EXIT_OK } from '../exit-codes.js';
import { out } from '../output.js';

export default async function keyId(): Promise<number> {
  const key = loadMasterKey(process.env);
  out(`${key.id}\n`);
  process.stderr.write(`(from ${key.origin})\n`);
  return EXIT_OK;
}
