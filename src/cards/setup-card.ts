/**
 * What one person's setup card shows: their account, its derived credentials, where phones
 * register, and the codes that set a softphone up. Built from the same rows as the credentials
 * spreadsheet (`setup-cards.ts`); rendered by `render-card.ts`. Holds passwords in plaintext.
 */
export interface SetupCard {
  readonly objectId: string;
  readonly displayName: string;
  readonly extension: string;
  readonly username: string;
  /** SIP domain (also the digest realm). */
  readonly domain: string;
  readonly sipPassword: string;
  readonly softphonePassword: string;
  readonly registrar: string;
  readonly outboundProxy?: string;
  readonly transport: 'udp' | 'tcp' | 'tls' | 'wss';
  readonly port: number;
  /** The Linphone remote-provisioning URL of this person (the QR code's payload), if provisioning is set up. */
  readonly provisioningUrl?: string;
  /** The Acrobits (Groundwire, Cloud Softphone) `csc:` code, if the ISP has an Acrobits cloud id. */
  readonly acrobitsCode?: string;
  /** Where the webphone is, if the tenant file names one. */
  readonly webphoneUrl?: string;
}

type Paper = 'A4' | 'Letter';

export interface CardOptions {
  readonly paper: Paper;
  /** Tenant name, shown in the header. */
  readonly tenant: string;
  /** Regular and monospaced TrueType fonts (see `fonts.ts`). */
  readonly fonts: CardFonts;
}

export interface CardFonts {
  readonly regular: string;
  readonly bold: string;
  readonly mono: string;
}
