/**
 * Linphone's remote provisioning file: its configuration (linphonerc) as XML, one account
 * (`proxy_0` + `auth_info_0`). The digest HA1 is sent instead of the SIP password, so the
 * provisioning server never serves the password itself (HA1 still lets a phone register
 * for this realm: the file is as secret as the password). Pure.
 */
import type { SetupCard } from '../cards/setup-card.js';
import { digestHashes } from '../credentials/derive.js';

export function linphoneXml(card: SetupCard): string {
  const { ha1 } = digestHashes(card.username, card.domain, card.sipPassword);
  const transport = card.transport === 'wss' ? 'tls' : card.transport;
  const server = `<sip:${card.registrar}:${card.port};transport=${transport}>`;
  const identity = `"${card.displayName.replace(/["\\]/g, '')}" <sip:${card.username}@${card.domain}>`;
  const proxy: [string, string][] = [
    ['reg_proxy', server],
    ...(card.outboundProxy ? ([['reg_route', `<sip:${card.outboundProxy};transport=${transport};lr>`]] as [string, string][]) : []),
    ['reg_identity', identity],
    ['realm', card.domain],
    ['reg_expires', '3600'],
    ['reg_sendregister', '1'],
    ['publish', '0'],
  ];
  const auth: [string, string][] = [
    ['username', card.username],
    ['userid', card.username],
    ['ha1', ha1],
    ['realm', card.domain],
    ['domain', card.domain],
    ['algorithm', 'MD5'],
  ];
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<config xmlns="http://www.linphone.org/xsds/lpconfig.xsd" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.linphone.org/xsds/lpconfig.xsd lpconfig.xsd">',
    section('sip', [['default_proxy', '0']]),
    section('proxy_0', proxy),
    section('auth_info_0', auth),
    '</config>',
    '',
  ].join('\n');
}

function section(name: string, entries: readonly [string, string][]): string {
  const lines = entries.map(([k, v]) => `    <entry name="${k}" overwrite="true">${escapeXml(v)}</entry>`);
  return [`  <section name="${name}" overwrite="true">`, ...lines, '  </section>'].join('\n');
}

function escapeXml(text: string): string {
  // Control characters have no place in XML 1.0; a display name is cleaned before, this is the last guard.
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}
