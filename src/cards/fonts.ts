/**
 * The fonts embedded in setup cards: DejaVu Sans (Latin with accents, Greek, Cyrillic, Hebrew,
 * Arabic and more) from the `dejavu-fonts-ttf` npm package, so that no system font path is
 * needed; `cards.font` in the tenant file names another TrueType file instead (e.g. for CJK).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { UserError } from '../errors.js';
import type { CardFonts } from './setup-card.js';

export function cardFonts(custom?: string): CardFonts {
  const dir = join(dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');
  const bundled = { regular: join(dir, 'DejaVuSans.ttf'), bold: join(dir, 'DejaVuSans-Bold.ttf'), mono: join(dir, 'DejaVuSansMono.ttf') };
  if (custom === undefined) return bundled;
  if (!existsSync(custom))
    throw new UserError(
      `the card font ${custom} (cards.font) does not exist`,
      'name a TrueType (.ttf) file, or leave cards.font out for the bundled DejaVu Sans',
    );
  return { ...bundled, regular: custom, bold: custom };
}
