/**
 * Checks of the desk phones in `users.X.phones`: every MAC well formed, and no phone named
 * twice, neither under one user nor under two, whatever the spelling (`00:15:65:AA:BB:CC` and
 * `001565aabbcc` are the same phone). Pure; problems point at the offending `mac`.
 */
import type { TenantConfig, UserOverride } from '../model/tenant-config.js';
import { macUnusable, normaliseMac } from '../phones/mac.js';
import { describePath, type PathProblem, type YamlPath } from './problem.js';

export function checkPhones(users: readonly UserOverride[]): PathProblem[] {
  const problems: PathProblem[] = [];
  const seen = new Map<string, YamlPath>();
  for (const user of users) {
    user.phones.forEach((phone, i) => {
      const path = [...user.path, 'phones', i, 'mac'];
      const mac = normaliseMac(phone.mac);
      if (mac === null) {
        problems.push({
          severity: 'error',
          path,
          message: `MAC address '${phone.mac}' of ${describePath(user.path)} is not a MAC address`,
          hint: 'write 12 hex digits, with or without : or - between pairs, e.g. 00:15:65:aa:bb:cc or 001565aabbcc',
        });
        return;
      }
      const why = macUnusable(mac);
      if (why !== null) {
        problems.push({
          severity: 'error',
          path,
          message: `MAC address '${phone.mac}' of ${describePath(user.path)} ${why}`,
          hint: "copy the MAC from the phone's label or its status screen",
        });
        return;
      }
      const first = seen.get(mac);
      if (first === undefined) {
        seen.set(mac, path);
        return;
      }
      problems.push({
        severity: 'error',
        path,
        message: `MAC address '${phone.mac}' is already given at ${describePath(first)}`,
        hint: 'a phone registers one account: give each MAC once (spelling and case do not matter)',
      });
    });
  }
  return problems;
}

/** Desk phones speak UDP, TCP or TLS; WebSocket (wss) is for webphones. */
export function checkPhoneTransport(config: TenantConfig): PathProblem[] {
  if (config.spreadsheet.phoneSetup.transport !== 'wss' || !config.users.some((u) => u.phones.length > 0)) return [];
  return [
    {
      severity: 'error',
      path: ['spreadsheet', 'phone_setup', 'transport'],
      message: 'desk phones (users.X.phones) cannot register over wss',
      hint: 'set spreadsheet.phone_setup.transport to udp, tcp or tls',
    },
  ];
}
