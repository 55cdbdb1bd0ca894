/**
 * The plan as Markdown, for a pull-request comment: a summary line, a table of subscriber
 * changes and the field changes in a collapsible block. Secrets show as `(sensitive)`.
 */
import type { AccountView, Change, Plan } from '../model/plan.js';
import { summaryLine } from './render-text.js';

const ACTION: Record<Change['kind'], string> = { create: '➕ create', update: '🔄 update', disable: '⏸️ disable', delete: '🗑️ delete' };

export function renderPlanMarkdown(plan: Plan): string {
  const lines = [`### pbxsync plan: \`${plan.tenant}\` (${plan.domain})`, '', `**${summaryLine(plan)}**`, ''];
  const subscribers = plan.changes.filter((c): c is Exclude<Change, { entity: 'domain' }> => c.entity === 'subscriber');
  if (plan.changes.some((c) => c.entity === 'domain')) lines.push(`The SIP domain \`${plan.domain}\` will be created.`, '');
  if (subscribers.length > 0) {
    lines.push('| action | extension | username | user | changes |', '|---|---|---|---|---|');
    for (const c of subscribers) lines.push(row(c));
    lines.push('');
  }
  if (plan.warnings.length > 0) {
    lines.push('<details><summary>Warnings</summary>', '');
    for (const w of plan.warnings) lines.push(`- ${escape(w.message)}`);
    lines.push('', '</details>', '');
  }
  if (!plan.safety.ok) lines.push(`> ⚠️ Exceeds the safety thresholds: ${plan.safety.reasons.map(escape).join('; ')}. Apply needs \`--allow-unsafe\`.`, '');
  return `${lines.join('\n')}\n`;
}

function row(c: Exclude<Change, { entity: 'domain' }>): string {
  const a: AccountView = c.kind === 'delete' ? c.before : c.after;
  return `| ${ACTION[c.kind]} | ${a.extension} | \`${a.username}\` | ${escape(a.displayName)} | ${escape(details(c))} |`;
}

function details(c: Exclude<Change, { entity: 'domain' }>): string {
  switch (c.kind) {
    case 'create':
      return 'new subscriber';
    case 'update':
      return c.fields.map((f) => (f.sensitive ? `${f.field}: (sensitive)` : `${f.field}: ${f.before ?? '(none)'} → ${f.after ?? '(none)'}`)).join('; ');
    case 'disable':
      return 'left the directory scope: cannot register, extension kept';
    case 'delete':
      return 'left the directory scope: removed';
  }
}

/** Keeps directory text from breaking the table or turning into markup. */
function escape(text: string): string {
  return text.replace(/[\\`*_[\]<>|]/g, (ch) => `\\${ch}`).replace(/\r?\n/g, ' ');
}
