/** The human plan: one block per subscriber, Terraform-style markers, secrets as (sensitive). */
import type { AccountView, Change, FieldChange, Plan } from '../model/plan.js';
import { META } from '../model/subscriber-fields.js';
import { plainStyle, type Style } from './style.js';

const HIDDEN = new Set<string>([META.managed]);
// A new account's heading already names these; listing them again is noise.
const HIDDEN_ON_CREATE = new Set<string>([META.managed, META.status, META.generation, META.displayName, META.upn]);

export function renderPlanText(plan: Plan, style: Style = plainStyle): string {
  const lines: string[] = [style.bold(`Tenant ${plan.tenant} (${plan.domain})`), ''];
  for (const change of plan.changes) lines.push(...renderChange(change, style), '');
  if (plan.warnings.length > 0) {
    lines.push(style.warn('Warnings:'));
    for (const w of plan.warnings) lines.push(`  ${style.warn('!')} ${w.message}`);
    lines.push('');
  }
  lines.push(summaryLine(plan));
  return `${lines.join('\n')}\n`;
}

export function summaryLine(plan: Plan): string {
  const s = plan.summary;
  if (plan.changes.length === 0) return 'No changes. The PBX matches the tenant file and the directory.';
  return `Plan: ${s.create} to create, ${s.update} to update, ${s.disable} to disable, ${s.delete} to delete.`;
}

function heading(marker: string, account: AccountView, note = ''): string {
  const ext = (account.extension || '-').padEnd(6);
  return `  ${marker} ${ext} ${account.username}  ${account.displayName} <${account.upn}>${note}`;
}

function renderChange(change: Change, style: Style): string[] {
  switch (change.kind) {
    case 'create':
      if (change.entity === 'domain') return [style.add(`  + domain ${change.domain} (did ${change.did})`)];
      return [style.add(heading('+', change.after, change.adopts ? '  (adopts the existing subscriber row)' : '')), ...createFields(change.after, style)];
    case 'update':
      return [style.change(heading('~', change.after)), ...change.fields.filter((f) => !HIDDEN.has(f.field)).map((f) => fieldLine(f, style))];
    case 'disable':
      return [style.remove(heading('-', change.before, '  (disable: cannot register; extension and settings kept)'))];
    case 'delete':
      return [style.remove(heading('-', change.before, '  (delete: subscriber, extension and settings removed)'))];
    default: {
      const never: never = change;
      throw new Error(`unknown change ${JSON.stringify(never)}`);
    }
  }
}

function createFields(account: AccountView, style: Style): string[] {
  const fields: FieldChange[] = Object.entries(account.preferences)
    .filter(([attr]) => !HIDDEN_ON_CREATE.has(attr))
    .map(([field, p]) => ({ field, before: null, after: p.value, sensitive: false }));
  fields.push({ field: 'sip_password', before: null, after: null, sensitive: true });
  fields.push({ field: 'softphone_password', before: null, after: null, sensitive: true });
  return fields.map((f) => (f.sensitive ? fieldLine(f, style) : `        ${`${f.field}:`.padEnd(22)}${quote(f.after)}`));
}

function fieldLine(f: FieldChange, style: Style): string {
  const name = `${f.field}:`.padEnd(22);
  if (f.sensitive) return `        ${name}${style.dim('(sensitive)')}`;
  return `        ${name}${quote(f.before)} ${style.dim('→')} ${quote(f.after)}`;
}

function quote(value: string | null): string {
  return value === null ? '(none)' : JSON.stringify(value);
}
