/**
 * The tenant file `pbxsync init` writes: the skeleton (tenant, domain, source, PBX, range,
 * defaults) with a comment on each part, and every user in scope as an empty override keyed
 * by object id, with UPN and display name in a comment, in the order extensions are handed
 * out. Built with the `yaml` Document API, so keys and values are quoted by the library.
 * Pure.
 *
 * Names, UPNs and domains come from the directory: anyone can edit their own profile, and a
 * snapshot comes from a pull request. In a comment they pass through `terminalText` (every
 * control, format, line or paragraph separator becomes a visible `\u{…}`, so a comment never
 * ends early, whatever a YAML reader or an editor counts as a line break) and are cut to a
 * bounded length. Keys are object ids only, which the source has checked to be GUIDs.
 */
import { Document, Pair, Scalar, YAMLMap, isMap, isScalar, isSeq } from 'yaml';
import type { DirectoryUser } from '../model/directory-user.js';
import type { ScopeSummary } from '../model/plan.js';
import { terminalText } from '../render/safe-text.js';
import { defaultKeys } from './default-assignment.js';
import type { RawTenant } from './normalise.js';

/** Longest directory text (in code points) a comment shows of one field. */
export const COMMENT_FIELD_MAX = 80;

export interface InitListing {
  /** The users in scope, in the order extensions are handed out. */
  readonly users: readonly DirectoryUser[];
  readonly summary: ScopeSummary;
}

export function initDocument(skeleton: RawTenant, listing: InitListing): string {
  const doc = new Document(skeleton);
  doc.commentBefore = header(skeleton, listing.summary);
  const root = doc.contents as YAMLMap;
  comment(root, 'tenant', { after: ' Kamailio domain id (did) and state key: short, stable, never renamed' });
  comment(root, 'domain', { after: ` SIP domain; every subscriber registers as username@${skeleton.domain}` });
  comment(root, 'source', { before: sourceComment(skeleton) });
  const scope = doc.getIn(['source', 'scope'], true);
  if (isMap(scope)) {
    comment(scope, 'enabled_only', { after: ' disabled accounts are left out' });
    comment(scope, 'members_only', { after: ' guests (#EXT#) are left out' });
    const domains = scope.get('domains', true);
    if (isSeq(domains)) domains.flow = true;
    comment(scope, 'domains', { after: ' UPN domains in scope' });
  }
  comment(root, 'pbx', { before: ' The PBX database (Kamailio tables): sqlite:PATH next to this file, or postgres://user:${PBX_DB_PASSWORD}@host/db.' });
  comment(root, 'extensions', { before: ' Sequential start: new users get the lowest free number from here on, in the order of users: below.' });
  if (skeleton.defaults) comment(root, 'defaults', { before: defaultsComment(Object.keys(skeleton.defaults)) });
  const leavers = root.items.findIndex((p) => isScalar(p.key) && p.key.value === 'leavers');
  root.items.splice(leavers < 0 ? root.items.length : leavers, 0, new Pair(new Scalar('users'), userOverrides(listing.users)));
  comment(root, 'users', { before: usersComment(skeleton, listing.summary) });
  comment(root, 'leavers', { before: ' A user who leaves the scope: disable (the extension and settings are kept), delete, or keep.' });
  return doc.toString({ lineWidth: 0 });
}

function header(skeleton: RawTenant, summary: ScopeSummary): string {
  return [
    ` Tenant ${skeleton.tenant} (${skeleton.domain}), written by \`pbxsync init\` from ${summary.read} directory users.`,
    ' Edit it (defaults, one user at a time under users:), then:',
    '   pbxsync validate FILE && pbxsync plan FILE && pbxsync apply FILE',
    " Relative paths are resolved against this file's folder.",
  ].join('\n');
}

function sourceComment(skeleton: RawTenant): string {
  return skeleton.source.type === 'snapshot'
    ? ' Users come from a saved Microsoft Graph /users response (`pbxsync discover --save`).'
    : ' Users are read live from Entra ID; the app credential comes from the environment (a variable the ISP configuration allows).';
}

function defaultsComment(set: readonly string[]): string {
  const others = defaultKeys().filter((k) => !set.includes(k));
  return [' Every subscriber gets these unless a user override below says otherwise.', ...(others.length > 0 ? [` Also: ${others.join(', ')}.`] : [])].join(
    '\n',
  );
}

function usersComment(skeleton: RawTenant, summary: ScopeSummary): string {
  const lines = [
    ` Every user in scope (${summary.inScope}), keyed by directory object id (it survives renames); UPN and name after it.`,
    ` Replace {} with settings for that user: { exclude: true } leaves them out, { extension: ${skeleton.extensions.start} } pins a number,`,
    ' and any key of defaults overrides the default (e.g. { call_group: front-desk }). Removing an entry changes nothing.',
  ];
  if (!skeleton.defaults) lines.push(` No defaults: section yet; it takes ${defaultKeys().join(', ')}.`);
  const out = outOfScope(summary);
  if (out !== '') lines.push(` Not listed (source.scope): ${out}.`);
  return lines.join('\n');
}

function outOfScope(summary: ScopeSummary): string {
  const parts: string[] = [];
  if (summary.disabled > 0) parts.push(`${summary.disabled} disabled`);
  if (summary.guests > 0) parts.push(`${summary.guests} guest${summary.guests === 1 ? '' : 's'}`);
  const domains = Object.entries(summary.otherDomains);
  if (domains.length > 0) {
    const shown = domains.slice(0, 5).map(([d, n]) => `${shortText(d)}: ${n}`);
    const more = domains.length > 5 ? `, ${domains.length - 5} more domains` : '';
    parts.push(`${domains.reduce((n, [, c]) => n + c, 0)} in other domains (${shown.join(', ')}${more})`);
  }
  return parts.join(', ');
}

function userOverrides(users: readonly DirectoryUser[]): YAMLMap {
  const map = new YAMLMap();
  for (const user of users) {
    const value = new YAMLMap();
    value.flow = true;
    value.comment = ` ${[user.userPrincipalName, user.displayName]
      .filter((t) => t.trim() !== '')
      .map(shortText)
      .join('  ')}`;
    map.items.push(new Pair(new Scalar(user.id), value));
  }
  if (users.length === 0) map.flow = true;
  return map;
}

/** Directory text fit for one comment line: bounded, every unsafe character visibly escaped. */
function shortText(text: string): string {
  const points = [...text];
  const cut = points.length > COMMENT_FIELD_MAX ? `${points.slice(0, COMMENT_FIELD_MAX - 1).join('')}…` : text;
  return terminalText(cut);
}

function comment(map: YAMLMap, key: string, text: { before?: string; after?: string }): void {
  const pair = map.items.find((p) => isScalar(p.key) && p.key.value === key);
  if (!pair || !isScalar(pair.key)) return;
  if (text.before !== undefined) {
    pair.key.commentBefore = text.before;
    pair.key.spaceBefore = true;
  }
  if (text.after !== undefined) {
    if (isScalar(pair.value) || isMap(pair.value) || isSeq(pair.value)) pair.value.comment = text.after;
  }
}
