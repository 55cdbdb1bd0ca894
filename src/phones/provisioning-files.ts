/**
 * Auto-provisioning files of desk phones, in each vendor's documented format: what a phone
 * fetches from the provisioning server by its MAC address at boot. Pure: an account's
 * derived credentials and the phone setup in, file names and contents out.
 * - Yealink: `<mac>.cfg`, `key = value` lines under the `#!version:1.0.0.1` header.
 * - Polycom/Poly (UC Software): `<mac>-phone.cfg` (XML, `reg.1.*` attributes), listed by the
 *   shared master file `000000000000.cfg` as `[PHONE_MAC_ADDRESS]-phone.cfg`. The per-phone
 *   master name `<mac>.cfg` is Yealink's here, so Polycom phones use the default master.
 * - Grandstream: `cfg<mac>.xml`, `<gs_provision>` with P-values.
 */
import type { PhoneModel, PhoneSetup } from '../model/tenant-config.js';

export interface PhoneAccount {
  readonly displayName: string;
  readonly extension: string;
  readonly username: string;
  readonly domain: string;
  readonly sipPassword: string;
}

export interface PhoneFile {
  readonly name: string;
  readonly content: string;
}

const POLYCOM_MASTER = '000000000000.cfg';

/** Transports desk phones speak (wss is for browsers: refused by the semantic rules). */
type PhoneTransport = Exclude<PhoneSetup['transport'], 'wss'>;

/** `mac`: normalised (12 lower-case hex digits). */
export function phoneFile(model: PhoneModel, mac: string, account: PhoneAccount, setup: PhoneSetup): PhoneFile {
  switch (model) {
    case 'yealink':
      return { name: `${mac}.cfg`, content: yealink(account, setup) };
    case 'polycom':
      return { name: `${mac}-phone.cfg`, content: polycom(account, setup) };
    case 'grandstream':
      return { name: `cfg${mac}.xml`, content: grandstream(mac, account, setup) };
    default: {
      const never: never = model;
      throw new Error(`unknown phone model ${String(never)}`);
    }
  }
}

/** The shared Polycom master file: every Polycom phone without a `<mac>.cfg` of its own reads it. */
export function polycomMaster(): PhoneFile {
  return {
    name: POLYCOM_MASTER,
    content: [
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
      '<!-- written by pbxsync: each phone reads its own [PHONE_MAC_ADDRESS]-phone.cfg -->',
      '<APPLICATION APP_FILE_PATH="sip.ld" CONFIG_FILES="[PHONE_MAC_ADDRESS]-phone.cfg" MISC_FILES="" LOG_FILE_DIRECTORY="" OVERRIDES_DIRECTORY="" CONTACTS_DIRECTORY="" LICENSE_DIRECTORY="" USER_PROFILES_DIRECTORY="" CALL_LISTS_DIRECTORY=""/>',
      '',
    ].join('\n'),
  };
}

function transport(setup: PhoneSetup): PhoneTransport {
  return setup.transport === 'wss' ? 'tls' : setup.transport;
}

/** `host[:port]` of the outbound proxy, split; the port defaults to the registrar's. */
function proxy(setup: PhoneSetup): { host: string; port: number } | null {
  if (setup.outboundProxy === undefined) return null;
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(setup.outboundProxy);
  return m ? { host: m[1]!, port: m[2] ? Number(m[2]) : setup.port } : { host: setup.outboundProxy, port: setup.port };
}

/** Yealink values run to the end of the line: no line breaks or control characters in them. */
function line(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}

const YEALINK_TRANSPORT: Record<PhoneTransport, number> = { udp: 0, tcp: 1, tls: 2 };

function yealink(a: PhoneAccount, setup: PhoneSetup): string {
  const out = [
    '#!version:1.0.0.1',
    '## written by pbxsync: the account of one person; keep this file private',
    'account.1.enable = 1',
    `account.1.label = ${line(a.extension || a.username)}`,
    `account.1.display_name = ${line(a.displayName)}`,
    `account.1.auth_name = ${a.username}`,
    `account.1.user_name = ${a.username}`,
    `account.1.password = ${a.sipPassword}`,
    `account.1.sip_server.1.address = ${setup.registrar}`,
    `account.1.sip_server.1.port = ${setup.port}`,
    `account.1.sip_server.1.transport_type = ${YEALINK_TRANSPORT[transport(setup)]}`,
  ];
  const p = proxy(setup);
  if (p) out.push('account.1.outbound_proxy_enable = 1', `account.1.outbound_proxy.1.address = ${p.host}`, `account.1.outbound_proxy.1.port = ${p.port}`);
  else out.push('account.1.outbound_proxy_enable = 0');
  return `${out.join('\n')}\n`;
}

function xmlText(text: string): string {
  return line(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

const POLYCOM_TRANSPORT: Record<PhoneTransport, string> = { udp: 'UDPOnly', tcp: 'TCPOnly', tls: 'TLS' };

function polycom(a: PhoneAccount, setup: PhoneSetup): string {
  const attrs: [string, string | number][] = [
    ['reg.1.address', `${a.username}@${a.domain}`],
    ['reg.1.displayName', a.displayName],
    ['reg.1.label', a.extension || a.username],
    ['reg.1.auth.userId', a.username],
    ['reg.1.auth.password', a.sipPassword],
    ['reg.1.server.1.address', setup.registrar],
    ['reg.1.server.1.port', setup.port],
    ['reg.1.server.1.transport', POLYCOM_TRANSPORT[transport(setup)]],
  ];
  const p = proxy(setup);
  if (p) attrs.push(['reg.1.outboundProxy.address', p.host], ['reg.1.outboundProxy.port', p.port]);
  return [
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
    '<!-- written by pbxsync: the account of one person; keep this file private -->',
    '<polycomConfig>',
    `  <reg ${attrs.map(([k, v]) => `${k}="${xmlText(String(v))}"`).join('\n       ')}/>`,
    '</polycomConfig>',
    '',
  ].join('\n');
}

/** Grandstream P130, SIP transport: 0 UDP, 1 TCP, 2 TLS/TCP. */
const GRANDSTREAM_TRANSPORT: Record<PhoneTransport, number> = { udp: 0, tcp: 1, tls: 2 };

function grandstream(mac: string, a: PhoneAccount, setup: PhoneSetup): string {
  const p = proxy(setup);
  const values: [string, string | number][] = [
    ['P271', 1], // account 1 active
    ['P270', a.extension || a.username], // account name
    ['P47', `${setup.registrar}:${setup.port}`], // SIP server
    ['P48', p ? `${p.host}:${p.port}` : ''], // outbound proxy
    ['P35', a.username], // SIP user id
    ['P36', a.username], // authenticate id
    ['P34', a.sipPassword], // authenticate password
    ['P3', a.displayName], // display name
    ['P130', GRANDSTREAM_TRANSPORT[transport(setup)]], // SIP transport
  ];
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!-- written by pbxsync: the account of one person; keep this file private -->',
    '<gs_provision version="1">',
    `  <mac>${mac}</mac>`,
    '  <config version="1">',
    ...values.map(([k, v]) => `    <${k}>${xmlText(String(v))}</${k}>`),
    '  </config>',
    '</gs_provision>',
    '',
  ].join('\n');
}
