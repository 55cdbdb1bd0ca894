/** How a tenant's cards are rendered: its paper size, its name in the header, its fonts. */
import type { TenantConfig } from '../model/tenant-config.js';
import { cardFonts } from './fonts.js';
import type { CardOptions } from './setup-card.js';

export function cardOptions(config: TenantConfig): CardOptions {
  return { paper: config.cards.paper, tenant: config.name, fonts: cardFonts(config.cards.font) };
}
