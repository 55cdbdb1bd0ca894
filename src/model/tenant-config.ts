/**
 * The normalised tenant configuration: what `loadTenant` returns once the YAML file passed
 * the JSON Schema (`schemas/tenant.schema.json`, the source of truth for its shape), had its
 * `${VAR}` references expanded, and had relative paths resolved against the file's folder.
 */
type LeaverPolicy = 'disable' | 'delete' | 'keep';
type ReusePolicy = 'never' | 'after-delete';

/** Values for the preference fields of `PREFERENCE_FIELDS`, as the file gives them. */
export type FieldValues = Record<string, string | number | boolean>;

export interface ExtensionRange {
  readonly from: number;
  readonly to: number;
}

export interface DirectoryScope {
  /** Only accounts with `accountEnabled: true`. */
  readonly enabledOnly: boolean;
  /** Only `userType: Member` (guests `#EXT#` are left out). */
  readonly membersOnly: boolean;
  /** UPN domains that are in scope (lower case); empty = the tenant's SIP domain only. */
  readonly domains: readonly string[];
}

export type SourceConfig =
  | { readonly type: 'snapshot'; readonly path: string; readonly scope: DirectoryScope }
  | {
      readonly type: 'azure';
      readonly tenantId: string;
      readonly clientId: string;
      readonly authorityHost: string;
      readonly graphEndpoint: string;
      readonly groups: readonly string[];
      readonly scope: DirectoryScope;
      /** How the two ids may be shown: as written (a `${…}` reference stays one). */
      readonly labels: { readonly tenantId: string; readonly clientId: string };
      /** How the app proves its identity; `none` allows only `discover --device-code`. */
      readonly credential: AzureCredential;
      /** Absolute path of an extra CA (PEM) to trust, or undefined for the system CAs only. */
      readonly caFile?: string;
      /** Incremental re-sync with Graph delta queries (users cached in the state store). */
      readonly delta: boolean;
      /** Longest total wait on throttling and transient faults in one read, in milliseconds. */
      readonly maxWaitMs: number;
      /** Time limit of one HTTP request, in milliseconds. */
      readonly requestTimeoutMs: number;
    };

/** An app-only credential of the Entra app registration; secrets come from the environment. */
export type AzureCredential =
  | { readonly kind: 'secret'; readonly secret: string }
  | { readonly kind: 'certificate'; readonly privateKeyFile: string; readonly thumbprint: string }
  | { readonly kind: 'none' };

export interface UserOverride {
  /** How the file named the user: a UPN (lower case) or an object id. */
  readonly match: { readonly by: 'upn' | 'id'; readonly value: string };
  readonly exclude: boolean;
  readonly adopt: boolean;
  readonly extension?: number;
  readonly username?: string;
  readonly email?: string;
  readonly generation?: number;
  /** Desk phones (`phones:`), in file order; MACs as written (normalised by `normaliseMac`). */
  readonly phones: readonly DeskPhone[];
  readonly fields: FieldValues;
  /** Where the override sits in the file, for warnings about it. */
  readonly path: readonly (string | number)[];
}

export type PhoneModel = 'yealink' | 'polycom' | 'grandstream';

export interface DeskPhone {
  /** As the file writes it. */
  readonly mac: string;
  readonly model: PhoneModel;
}

export interface SafetyConfig {
  /** Refuse when more than this share of existing active subscribers would be disabled/deleted. */
  readonly maxRemoveShare: number;
  /** Refuse when more than this share of existing subscribers would be updated. */
  readonly maxUpdateShare: number;
  /** Thresholds apply only once the tenant has at least this many subscribers. */
  readonly minExisting: number;
}

export interface PhoneSetup {
  readonly registrar: string;
  readonly outboundProxy?: string;
  readonly transport: 'udp' | 'tcp' | 'tls' | 'wss';
  readonly port: number;
}

export interface TenantConfig {
  /** Absolute path of the tenant file. */
  readonly file: string;
  /** Tenant name; also the `did` of the tenant's Kamailio domain. */
  readonly name: string;
  /** SIP domain (lower case). */
  readonly domain: string;
  readonly source: SourceConfig;
  readonly pbx: { readonly url: string };
  readonly extensions: {
    readonly start: number;
    readonly end?: number;
    readonly reserved: readonly ExtensionRange[];
    readonly reuse: ReusePolicy;
  };
  readonly defaults: FieldValues;
  readonly users: readonly UserOverride[];
  readonly leavers: LeaverPolicy;
  readonly safety: SafetyConfig;
  /**
   * `path` is the file apply writes: the .xlsx, or with `encryptTo` (age public keys) the .xlsx
   * path with `.age` appended, an age file that only those keys' identities open.
   */
  readonly spreadsheet: { readonly path: string; readonly phoneSetup: PhoneSetup; readonly encryptTo: readonly string[] };
  /** Absolute folder of the desk phones' provisioning files. */
  readonly phones: { readonly path: string };
  readonly welcome: { readonly onApply: boolean; readonly subject: string };
  /** Setup cards: absolute folder, paper, whether an apply writes them. */
  readonly cards: CardsConfig;
  /** Softphone remote provisioning, if the tenant file sets it up. */
  readonly provisioning?: ProvisioningConfig;
  readonly state: { readonly url: string };
  /** How the database URLs may be shown in messages: as written, `${…}` references and all. */
  readonly labels: { readonly pbxUrl: string; readonly stateUrl: string };
  readonly credentials: {
    readonly storePlaintext: boolean;
    /** The master key's id the tenant file names (`credentials.key_id`), if any. */
    readonly keyId?: string;
  };
}

interface CardsConfig {
  readonly folder: string;
  readonly paper: 'A4' | 'Letter';
  readonly afterApply: boolean;
  /** Absolute path of a TrueType font for names, instead of the bundled DejaVu Sans. */
  readonly font?: string;
  readonly webphoneUrl?: string;
}

interface ProvisioningConfig {
  /** Absolute folder the ISP's provisioning server serves. */
  readonly folder: string;
  /** URL template with `{token}`. */
  readonly url: string;
  /** Also a csc: code for Acrobits apps, with the ISP's cloud id. */
  readonly acrobits: boolean;
}
