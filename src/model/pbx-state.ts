/**
 * What a `PbxProvider` reads for one tenant: the raw rows of its domain, as Kamailio stores
 * them. Grouping them into accounts (and spotting rows pbxsync does not own) is done by the
 * pure core, so every provider returns the same plain shape.
 */
export interface PbxSubscriberRow {
  readonly username: string;
  readonly ha1: string;
  readonly ha1b: string;
  /** True when the `password` column holds a plaintext password. */
  readonly hasPlaintext: boolean;
}

export interface PbxAliasRow {
  readonly aliasUsername: string;
  readonly username: string;
}

export interface PbxPreferenceRow {
  readonly uuid: string;
  readonly username: string;
  readonly attribute: string;
  readonly type: number;
  readonly value: string;
}

export interface PbxDomainState {
  /** `domain.did` of the tenant's domain row, or null when there is no row. */
  readonly did: string | null;
  readonly exists: boolean;
  /** `domain_attrs` rows of that did, name → value. */
  readonly attrs: Readonly<Record<string, string>>;
  /** Other domains whose did is the tenant's name (sorted): a tenant name belongs to one domain. */
  readonly otherDomainsOfDid: readonly string[];
}

export interface PbxTenantState {
  readonly domain: PbxDomainState;
  readonly subscribers: readonly PbxSubscriberRow[];
  readonly aliases: readonly PbxAliasRow[];
  readonly preferences: readonly PbxPreferenceRow[];
  /** Digest of every row above; a saved plan carries it to detect a PBX that changed since. */
  readonly fingerprint: string;
}
