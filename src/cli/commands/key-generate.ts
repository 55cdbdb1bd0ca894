/**
 * `pbxsync key generate [--out FILE]`: the only way pbxsync makes a master key. Writes it
 * (0600) to FILE, or to PBXSYNC_MASTER_KEY_FILE / ~/.config/pbxsync/master.key, never over
 * an existing file; `--out -` prints it instead, for piping into a secret store.
 */
import { resolve } from 'node:path';
import { defaultKeyFile, generateKeyFile, keyIdOf, newKeyText, parseKey } from '../../credentials/master-key.js';
import { EXIT_OK } from '../exit-codes.js';
import { out } from '../output.js';

export default async function keyGenerate(options: { out?: string }): Promise<number> {
  if (options.out === '-') {
    const text = newKeyText();
    out(text);
    process.stderr.write(
      `Key id ${keyIdOf(parseKey(text, 'the new key'))}. Store the key in your CI secret store as PBXSYNC_MASTER_KEY, and keep a backup: every password derives from it.\n`,
    );
    return EXIT_OK;
  }
  const file = resolve(options.out ?? (process.env.PBXSYNC_MASTER_KEY_FILE || defaultKeyFile(process.env)));
  const id = generateKeyFile(file);
  process.stderr.write(
    [
      `Wrote a new master key to ${file} (mode 0600), key id ${id}.`,
      'Every password of every tenant built with it derives from it, and a run with another key stops:',
      '  - keep a backup of it outside this machine (a password manager or a vault);',
      '  - in CI, store its content in the secret store and pass it as PBXSYNC_MASTER_KEY;',
      '  - never commit it.',
      '',
    ].join('\n'),
  );
  return EXIT_OK;
}
