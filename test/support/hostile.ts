/**
 * Hostile text for the renderers' tests: strings that would act on a terminal or turn into
 * markup, and a hand-made plan with every kind of change whose every free-text field (and
 * every preference attribute name) carries one of them. The core would strip C0/C1 from
 * directory values, so these plans are built by hand, as PBX rows written by others or a
 * future source could make them.
 */
import { EMPTY_STORED_STATE } from '../../src/model/stored-state.js';
import { PLAN_FORMAT_VERSION, type AccountView, type Plan } from '../../src/model/plan.js';

/** Each hostile string by what it tries. */
export const HOSTILE = {
  osc52: '\u001b]52;c;Y3VybCBldmlsLmV4YW1wbGV8c2g=\u0007', // clipboard write
  osc0: '\u001b]0;pwned\u001b\\', // window title, ST-terminated
  csi: '\u001b[2J\u001b[H\u001b[?25l', // clear screen, home, hide cursor
  csi8: '\u009b2J', // the 8-bit CSI (C1)
  nel: 'a\u0085b', // C1 next line
  cr: 'ok\rFAKE LINE', // bare CR overwrites the line
  bs: 'abc\b\b\bxyz', // backspaces
  bel: 'ding\u0007',
  nul: 'nul\u0000here',
  del: 'del\u007fhere',
  tab: 'tab\there',
  lf: 'first\n  + 1999   evil  Fake Line <evil@acme.com>',
  crlf: 'a\r\nb',
  bidi: 'Ann \u202Egnp.exe\u202C', // right-to-left override, pop
  isolate: '\u2066\u2067\u2068x\u2069',
  marks: '\u200E\u200F\u061C',
  zeroWidth: 'ad\u200Bm\u200Ci\u200Dn\u2060\uFEFF',
  separators: 'line\u2028para\u2029end',
  loneSurrogate: 'half\uD800pair',
  tag: 'tag\u{E0041}\u{E007F}',
  mention: '@octocat and @acme/admins',
  img: '<img src=x onerror=alert(1)>',
  details: '</details><details open><summary>x',
  table: '| --- | injected | row |',
  backticks: '``` code ```',
  link: '[link](javascript:alert(1))',
  image: '![](http://tracker.example/p.gif)',
  autolink: 'https://evil.example/login www.evil.example',
  heading: '# heading',
  issue: '#123 owner/repo#45 GH-6',
  math: '$\\huge x$',
  emphasis: '**bold** _it_ ~~struck~~',
  entity: '&lt;b&gt; &#64;octocat',
  backslash: 'DOMAIN\\user \\| \\`',
} as const;

export const ALL_HOSTILE = Object.values(HOSTILE).join(' ');

/** Raw characters that must never reach a terminal or a comment. */
export const RAW_UNSAFE =
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\u{e0000}-\u{e007f}]|[\ud800-\udfff]/u;

/** The first raw unsafe character in `text` with some context, or null: for readable failures. */
export function firstUnsafe(text: string, allowed: RegExp = /\n/): string | null {
  for (const [i, ch] of [...text].entries()) {
    if (allowed.test(ch)) continue;
    if (RAW_UNSAFE.test(ch))
      return `U+${ch.codePointAt(0)!.toString(16)} at ${i} in …${JSON.stringify([...text].slice(Math.max(0, i - 20), i + 20).join(''))}…`;
  }
  return null;
}

function account(n: number, extra: Partial<AccountView> = {}): AccountView {
  return {
    objectId: `00000000-0000-4000-8000-00000000000${n}`,
    username: `user${n}`,
    extensions: [`100${n}`],
    displayName: `Name ${n}`,
    upn: `user${n}@acme.com`,
    status: 'active',
    generation: 1,
    preferences: { language: { type: 0, value: 'en-US' }, call_group: { type: 0, value: 'sales' } },
    ...extra,
  };
}

/** A plan with every kind of change, warning, record entry and an unsafe verdict. */
export function fullPlan(): Plan {
  const created = account(1);
  const before = account(2, { status: 'disabled' });
  const after = account(2, { username: 'user2b', extensions: ['1002', '1012'] });
  const leaver = account(3);
  const gone = account(4);
  return {
    formatVersion: PLAN_FORMAT_VERSION,
    tenant: 'acme',
    domain: 'acme.com',
    keyId: 'k1-0123456789abcdef',
    pbxFingerprint: 'fp',
    recordFingerprint: 'rfp',
    changes: [
      { kind: 'create', entity: 'domain', domain: 'acme.com', did: 'acme' },
      {
        kind: 'create',
        entity: 'subscriber',
        after: created,
        adopts: true,
        credentials: { newPasswords: true, writeSubscriber: true, writeSoftphoneHash: true, reasons: ['new-account'] },
      },
      {
        kind: 'update',
        entity: 'subscriber',
        before,
        after,
        username: { before: 'user2', after: 'user2b' },
        extensions: { before: ['1002'], after: ['1002', '1012'] },
        attributes: [
          { attribute: 'language', before: { type: 0, value: 'en-US' }, after: { type: 0, value: 'de-DE' } },
          { attribute: 'call_group', before: { type: 0, value: 'sales' }, after: null },
          { attribute: 'dial_timeout', before: { type: 0, value: '25' }, after: { type: 1, value: '25' } },
        ],
        credentials: { newPasswords: false, writeSubscriber: true, writeSoftphoneHash: false, reasons: ['username', 'reenable'] },
        cause: { requested: ['identity', 'settings', 'credentials'], drift: ['settings'] },
      },
      { kind: 'disable', entity: 'subscriber', before: leaver, after: { ...leaver, status: 'disabled' } },
      { kind: 'delete', entity: 'subscriber', before: gone },
      {
        kind: 'update',
        entity: 'record',
        add: [
          { type: 'key', keyId: 'k1-new' },
          { type: 'retired', extension: '1004' },
          { type: 'deleted', objectId: gone.objectId, username: 'user4', generation: 1 },
        ],
        remove: [
          { type: 'key', keyId: 'k1-old' },
          { type: 'retired', extension: '1005' },
          { type: 'deleted', objectId: 'x', username: 'back', generation: 2 },
        ],
      },
    ],
    accounts: [created, after, { ...leaver, status: 'disabled' }],
    warnings: [
      {
        code: 'foreign-subscriber',
        message: 'subscriber someone@acme.com is not pbxsync-managed',
        hint: 'adopt it with users.X.adopt',
        location: { file: 'tenant.yaml', line: 7, col: 3 },
      },
      { code: 'value-cleaned', message: 'directory user x: displayName held control characters' },
    ],
    summary: { create: 1, update: 1, disable: 1, delete: 1 },
    safety: {
      ok: false,
      existing: 4,
      removing: 2,
      updating: 1,
      maxRemoveShare: 0.2,
      maxUpdateShare: 0.5,
      minExisting: 1,
      reasons: ['would disable or delete 2 of 4 subscribers (50% > max_remove_share 20%)'],
    },
    nextState: EMPTY_STORED_STATE,
    domainCheck: {
      domain: 'acme.com',
      reason: 'create',
      state: 'missing',
      record: { name: '_pbxsync.acme.com', type: 'TXT', value: 'pbxsync-verification=0123' },
      detail: 'NXDOMAIN',
    },
    scope: { read: 10, inScope: 5, disabled: 1, guests: 1, otherDomains: { 'labs.acme.com': 2 }, excluded: 1 },
  };
}

// Discriminators and enums: renderers switch over them, so they keep their values.
const ENUM_KEYS = new Set(['kind', 'entity', 'code', 'status', 'type', 'formatVersion']);

/**
 * `value` with `poison` appended to every string that is data — including the keys of
 * `preferences` (attribute names come from the PBX too) — but not to enums, and not to the
 * credential reasons (an enum list; the safety verdict's free-text reasons are poisoned).
 */
export function poisoned<T>(value: T, poison: string, key = ''): T {
  if (typeof value === 'string') return (ENUM_KEYS.has(key) ? value : `${value}${poison}`) as T;
  if (Array.isArray(value)) return (key === 'credentialReasons' ? value : value.map((v) => poisoned(v, poison, key))) as T;
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => {
    const childKey = k === 'reasons' && key === 'credentials' ? 'credentialReasons' : k;
    return [key === 'preferences' ? `${k}${poison}` : k, poisoned(v, poison, childKey)] as const;
  });
  return Object.fromEntries(entries) as T;
}
