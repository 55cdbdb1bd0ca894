/**
 * The Acrobits `csc:` code (Groundwire, Acrobits Softphone and the white-label Cloud Softphone
 * apps): `csc:USERNAME:PASSWORD@CLOUDID`. Scanned, the app sends USERNAME and PASSWORD to the
 * external provisioning URL that the ISP registered for CLOUDID with Acrobits; so it fits only
 * an ISP with a cloud id and such a server. The code carries the softphone password in clear.
 */
export function acrobitsCode(cloudId: string, username: string, domain: string, softphonePassword: string): string {
  return `csc:${username}@${domain}:${softphonePassword}@${cloudId}`;
}
