/**
 * The human plan: one block per subscriber, Terraform-style markers, secrets as (sensitive).
 * Every piece of text that is not pbxsync's own goes through `terminalText` (or `quotedText`)
 * before it is padded, coloured and joined: only pbxsync's line breaks and colours remain.
 */
import { domainAllowed, type AccountView, type Change, type Plan, type PlanWarning } from '../model/plan.js';
import { domainCheckLines, scopeLine } from './plan-context.js';
import { causeNote, changeFields, DRIFT_LABEL, type FieldLine } from './change-fields.js';
import { recordLines } from './record-text.js';
import { quotedText, terminalText as t } from './safe-text.js';
import { plainStyle, type Style } from './style.js';

export function renderPlanText(plan: Plan, style: Style = plainStyle): string {
  const lines: string[] = [style.bold(`Tenant ${t(plan.tenant)} (${t(plan.domain)})`), ''];
  const context = [
    ...domainCheckLines(plan.domainCheck).map((l) => (domainAllowed(plan.domainCheck) ? t(l) : style.warn(t(l)))),
    ...nonNull(scopeLine(plan.scope)).map(t),
  ];
  if (context.length > 0) lines.push(...context, '');
  for (const change of plan.changes) lines.push(...renderChange(change, style), '');
  if (plan.warnings.length > 0) {
    lines.push(style.warn('Warnings:'));
    for (const w of plan.warnings) lines.push(...warningLines(w, style));
    lines.push('');
  }
  lines.push(summaryLine(plan));
  return `${lines.join('\n')}\n`;
}

export function warningLines(w: PlanWarning, style: Style): string[] {
  const at = w.location ? `${t(w.location.file)}:${w.location.line}:${w.location.col}: ` : '';
  return [`  ${style.warn('!')} ${at}${t(w.message)}`, ...(w.hint ? [`      hint: ${t(w.hint)}`] : [])];
}

function nonNull<T>(value: T | null): T[] {
  return value === null ? [] : [value];
}

export function summaryLine(plan: Plan): string {
  const s = plan.summary;
  if (plan.changes.length === 0) return 'No changes. The PBX matches the tenant file and the directory.';
  const onlyRecord = plan.changes.every((c) => c.entity === 'record');
  const move = plan.changes.find((c) => c.entity === 'domain' && c.kind === 'move');
  const counts = `${move && move.entity === 'domain' && move.kind === 'move' ? `1 domain move (${t(move.from)} → ${t(move.to)}), ` : ''}${s.create} to create, ${s.update} to update${driftCount(plan)}, ${s.disable} to disable, ${s.delete} to delete`;
  return onlyRecord ? `Plan: ${counts}; pbxsync's record of the tenant is brought up to date.` : `Plan: ${counts}.`;
}

/** How many of the updates set back rows changed outside pbxsync, as a clause of the summary. */
function driftCount(plan: Plan): string {
  const n = plan.changes.filter((c) => c.entity === 'subscriber' && c.kind === 'update' && c.cause.drift.length > 0).length;
  return n === 0 ? '' : ` (${n} ${DRIFT_LABEL})`;
}

function heading(marker: string, account: AccountView, note = ''): string {
  const ext = (account.extensions.map(t).join(',') || '-').padEnd(6);
  const who = account.upn === '' ? '(known from the record only)' : `${t(account.displayName)} <${t(account.upn)}>`;
  return `  ${marker} ${ext} ${t(account.username)}  ${who}${note}`;
}

function createNote(change: Extract<Change, { kind: 'create'; entity: 'subscriber' }>): string {
  if (change.after.status === 'disabled') return '  (restored as disabled from the record: cannot register)';
  if (change.credentials.reasons.includes('restored')) return '  (restored from the record: same username, extension and passwords)';
  return change.adopts ? '  (adopts the existing subscriber row)' : '';
}

function renderChange(change: Change, style: Style): string[] {
  switch (change.entity) {
    case 'domain':
      if (change.kind === 'create') return [style.add(`  + domain ${t(change.domain)} (did ${t(change.did)})`)];
      return [
        style.change(`  ~ domain ${t(change.from)} → ${t(change.to)} (did ${t(change.did)}): the tenant moves`),
        `        ${change.accounts} account${change.accounts === 1 ? '' : 's'} with their extensions and settings move; usernames, extensions and passwords stay`,
        `        phones must register on ${t(change.to)} from now on; the safety brake counts the move as one change`,
      ];
    case 'record':
      return [style.change("  ~ pbxsync's record of the tenant (kept in the PBX and the state store)"), ...recordLines(change).map((l) => `        ${t(l)}`)];
    case 'subscriber':
      break;
    default: {
      const never: never = change;
      throw new Error(`unknown change ${JSON.stringify(never)}`);
    }
  }
  const fields = changeFields(change).map((f) => fieldLine(f, style, change.kind === 'create'));
  switch (change.kind) {
    case 'create':
      return [style.add(heading('+', change.after, createNote(change))), ...fields];
    case 'update':
      return [style.change(heading('~', change.after, updateNote(change))), ...fields];
    case 'disable':
      return [style.remove(heading('-', change.before, '  (disable: cannot register; extension and settings kept)'))];
    case 'delete':
      return [style.remove(heading('-', change.before, '  (delete: subscriber, extension and settings removed)'))];
  }
}

function updateNote(change: Extract<Change, { kind: 'update'; entity: 'subscriber' }>): string {
  const notes = [...(change.before.status === 'disabled' ? ['back in scope: can register again'] : []), ...nonNull(causeNote(change.cause))];
  return notes.map((n) => `  (${n})`).join('');
}

function fieldLine(f: FieldLine, style: Style, created: boolean): string {
  const name = `${`${t(f.field)}:`.padEnd(21)} `; // a long (or escaped) attribute name still gets its space
  if (f.sensitive) return `        ${name}${style.dim('(sensitive)')}`;
  if (f.note !== undefined) return `        ${name}${f.drift ? style.warn(t(f.note)) : style.dim(t(f.note))}`;
  if (created) return `        ${name}${quote(f.after)}`;
  const drift = f.drift ? `  ${style.warn(`(${DRIFT_LABEL})`)}` : '';
  return `        ${name}${quote(f.before)} ${style.dim('→')} ${quote(f.after)}${drift}`;
}

function quote(value: string | null): string {
  return value === null ? '(none)' : quotedText(value);
}
