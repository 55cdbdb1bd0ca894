/**
 * The plan as Markdown, for a pull-request comment: a summary line, a table of subscriber
 * changes, the record change and the warnings. Secrets show as `(sensitive)`. Every piece of
 * text that is not pbxsync's own goes through `markdownText` or `markdownCode` (see
 * markdown-text.ts for what that stops and why), and never starts a line: each line begins
 * with pbxsync's own marker, so nothing from the data can add a block, close the table or
 * open a code block.
 */
import { domainAllowed, type Plan, type SubscriberChange } from '../model/plan.js';
import { domainCheckLines, scopeLine } from './plan-context.js';
import { causeNote, changeFields, DRIFT_LABEL } from './change-fields.js';
import { markdownCode, markdownText as text } from './markdown-text.js';
import { recordLines } from './record-text.js';
import { summaryLine } from './render-text.js';

const ACTION: Record<SubscriberChange['kind'], string> = { create: '➕ create', update: '🔄 update', disable: '⏸️ disable', delete: '🗑️ delete' };

export function renderPlanMarkdown(plan: Plan): string {
  const lines = [`### pbxsync plan: ${markdownCode(plan.tenant)} (${text(plan.domain)})`, '', `**${summaryLine(plan)}**`, ''];
  const subscribers = plan.changes.filter((c): c is SubscriberChange => c.entity === 'subscriber');
  for (const c of plan.changes) {
    if (c.entity !== 'domain') continue;
    if (c.kind === 'create') lines.push(`The SIP domain ${markdownCode(c.domain)} will be created.`, '');
    else lines.push(`The tenant moves from ${markdownCode(c.from)} to ${markdownCode(c.to)}: ${c.accounts} accounts with their extensions and settings; usernames, extensions and passwords stay (one change for the safety brake).`, '');
  }
  for (const l of domainCheckLines(plan.domainCheck)) lines.push(`${domainAllowed(plan.domainCheck) ? '✅' : '⛔'} ${text(l)}`, '');
  const scope = scopeLine(plan.scope);
  if (scope !== null) lines.push(text(scope), '');
  if (subscribers.length > 0) {
    lines.push('| action | extension | username | user | changes |', '|---|---|---|---|---|');
    for (const c of subscribers) lines.push(row(c));
    lines.push('');
  }
  for (const c of plan.changes) {
    if (c.entity === 'record') lines.push("pbxsync's record of the tenant (in the PBX and the state store):", ...recordLines(c).map((l) => `- ${text(l)}`), '');
  }
  if (plan.warnings.length > 0) {
    lines.push(`**Warnings (${plan.warnings.length}):**`, '');
    for (const w of plan.warnings) {
      const at = w.location ? `${markdownCode(`${w.location.file}:${w.location.line}:${w.location.col}`)} ` : '';
      lines.push(`- ⚠️ ${at}${text(w.message)}${w.hint ? ` — ${text(w.hint)}` : ''}`);
    }
    lines.push('');
  }
  if (!plan.safety.ok) lines.push(`> ⚠️ Exceeds the safety thresholds: ${plan.safety.reasons.map(text).join('; ')}. Apply needs \`--allow-unsafe\`.`, '');
  return `${lines.join('\n')}\n`;
}

function row(c: SubscriberChange): string {
  const a = c.kind === 'delete' ? c.before : c.after;
  const cells = [ACTION[c.kind], text(a.extensions.join(', ')), markdownCode(a.username, { inTable: true }), text(a.displayName), text(details(c))];
  return `| ${cells.join(' | ')} |`;
}

function details(c: SubscriberChange): string {
  switch (c.kind) {
    case 'create':
      if (c.after.status === 'disabled') return 'restored as disabled from the record';
      return c.credentials.reasons.includes('restored') ? 'restored from the record (same passwords)' : 'new subscriber';
    case 'update': {
      const fields = changeFields(c).map((f) =>
        f.sensitive ? `${f.field}: (sensitive)` : f.note !== undefined ? `${f.field}: ${f.note}` : `${f.field}: ${f.before ?? '(none)'} → ${f.after ?? '(none)'}${f.drift ? ` (${DRIFT_LABEL})` : ''}`,
      );
      const note = causeNote(c.cause);
      return `${note === null ? '' : `${note} — `}${fields.join('; ')}`;
    }
    case 'disable':
      return 'left the directory scope: cannot register, extension kept';
    case 'delete':
      return 'left the directory scope: removed';
  }
}

