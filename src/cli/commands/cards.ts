import { cardsFromPbx } from '../../app/cards-from-pbx.js';
import { logKit } from '../../app/apply-cards.js';
import { loadConfig } from '../../app/prepare-plan.js';
import { writeSetupKit } from '../../cards/write-setup-kit.js';
import { terminalText } from '../../render/safe-text.js';
import { EXIT_OK } from '../exit-codes.js';
import { out, stderrLogger } from '../output.js';

export default async function cards(file: string): Promise<number> {
  const log = stderrLogger();
  const config = await loadConfig(file, process.env, log);
  const entries = await cardsFromPbx(config, process.env, log);
  const kit = await writeSetupKit(config, entries);
  logKit(kit, config.cards.folder, log);
  const where = config.provisioning
    ? ` and ${entries.length} provisioning file${entries.length === 1 ? '' : 's'} in ${terminalText(config.provisioning.folder)}`
    : '';
  out(`Setup cards for ${entries.length} user${entries.length === 1 ? '' : 's'} in ${terminalText(config.cards.folder)}${where}.\n`);
  return EXIT_OK;
}
