/**
 * The table `pbxsync discover` prints: one row per account in scope, columns padded to fit.
 * Cells are directory text, shown by the terminal rule (and measured after it, so that the
 * columns line up with the escapes in place).
 */
import { primaryExtension, type AccountView } from '../model/plan.js';
import { terminalText } from './safe-text.js';

/** `created`: object ids the next apply would create; the others already have a subscriber. */
export function discoverTable(accounts: readonly AccountView[], created: ReadonlySet<string>): string {
  const rows = accounts.map((a) => [primaryExtension(a), a.username, a.displayName, a.upn, created.has(a.objectId) ? 'new' : 'existing'].map(terminalText));
  const header = ['EXTENSION', 'USERNAME', 'NAME', 'UPN', 'STATUS'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}
