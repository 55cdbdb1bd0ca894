/** A user as the directory reports it (the subset of Graph's `user` resource pbxsync reads). */
export interface DirectoryUser {
  /** Entra object id: the immutable identity pbxsync matches on. */
  readonly id: string;
  readonly userPrincipalName: string;
  readonly displayName: string;
  readonly mail: string | null;
  readonly accountEnabled: boolean;
  /** 'Member' or 'Guest'. */
  readonly userType: string;
  readonly department: string | null;
  readonly givenName?: string | null;
  readonly surname?: string | null;
}

/** The Graph `$select` list matching `DirectoryUser`. */
export const DIRECTORY_USER_FIELDS = [
  'id',
  'userPrincipalName',
  'displayName',
  'mail',
  'accountEnabled',
  'userType',
  'department',
  'givenName',
  'surname',
] as const;
