/**
 * The plans of one or more tenants as one pull-request comment: a summary table (a row per
 * tenant: result, creates/updates/disables/deletes, safety verdict, warnings, domain state),
 * then per tenant with changes (or a failure) a collapsed `<details>` section with its context,
 * warnings and its changes as a ```diff block (`plan-diff.ts`). Unchanged tenants take their
 * table row only. The whole comment stays under GitHub's limit (65,536 characters; counted
 * here in UTF-8 bytes, which is never less): what does not fit is cut, fairly across the
 * tenants, and a note says what was cut and where the full plan is.
 *
 * Every piece of text that is not pbxsync's own goes through `markdownText` or `markdownCode`
 * (markdown-text.ts) outside the code block, `htmlText` in a `<summary>`, `terminalText` in the
 * code block (whose fence no backtick run can close), and never starts a line.
 */
import { domainAllowed, type Plan, type SubscriberChange } from '../model/plan.js';
import { domainCheckLines, scopeLine } from './plan-context.js';
import { htmlText } from './html-text.js';
import { markdownCode, markdownText as text } from './markdown-text.js';
import { changeDiffLines, codeFence } from './plan-diff.js';
import { recordLines } from './record-text.js';
import { summaryLine } from './render-text.js';

/** GitHub's limit for a comment. */
export const COMMENT_LIMIT = 65_536;

export interface MarkdownTenant {
  readonly file: string;
  readonly tenant: string | null;
  readonly domain: string | null;
  /** `changes`, `no-changes` or `failed` (what `plan` makes of each tenant). */
  readonly result: string;
  readonly plan?: Plan;
  readonly error?: string;
}

export interface MarkdownOptions {
  /** Where the saved plans are (`plan --out`), for the note on what was cut. */
  readonly savedPlans?: string | null;
  /** Size limit in UTF-8 bytes (tests). */
  readonly limit?: number;
}

/** One tenant's plan as a comment (the same format as several). */
export function renderPlanMarkdown(plan: Plan, options: MarkdownOptions = {}): string {
  return renderPlansMarkdown(
    [{ file: plan.tenant, tenant: plan.tenant, domain: plan.domain, result: plan.changes.length > 0 ? 'changes' : 'no-changes', plan }],
    options,
  );
}

interface Section {
  readonly tenant: MarkdownTenant;
  readonly open: string[];
  readonly warnings: string[];
  readonly changes: string[][];
  readonly close: string[];
  shownWarnings: number;
  shownChanges: number;
}

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const linesBytes = (lines: readonly string[]) => lines.reduce((n, l) => n + bytes(l) + 1, 0);
/** Room for the note on what was cut, the per-section cut lines and the fences. */
const NOTE_RESERVE = 1_200;
const SECTION_RESERVE = 260;

export function renderPlansMarkdown(tenants: readonly MarkdownTenant[], options: MarkdownOptions = {}): string {
  const limit = (options.limit ?? COMMENT_LIMIT) - 1;
  const sections = tenants.filter((t) => t.result === 'failed' || (t.plan && t.plan.changes.length > 0)).map(section);
  const head = headLines(tenants);
  const fixed = linesBytes(head) + NOTE_RESERVE + sections.reduce((n, s) => n + linesBytes(s.open) + linesBytes(s.close) + SECTION_RESERVE, 0);
  if (fixed > limit) return compact(tenants, options, limit);
  share(sections, limit - fixed);
  const body = sections.flatMap(sectionLines);
  return `${[...head, ...cutNote(sections, options), ...body].join('\n')}\n`;
}

function headLines(tenants: readonly MarkdownTenant[]): string[] {
  const changed = tenants.filter((t) => t.result === 'changes').length;
  const failed = tenants.filter((t) => t.result === 'failed').length;
  const title =
    tenants.length === 1 && tenants[0]!.tenant !== null
      ? `### pbxsync plan: ${markdownCode(tenants[0]!.tenant)} (${text(tenants[0]!.domain ?? '')})`
      : `### pbxsync plan: ${tenants.length} tenants`;
  const total =
    tenants.length === 1 && tenants[0]!.plan
      ? `**${summaryLine(tenants[0]!.plan)}**`
      : `**${changed} with changes, ${tenants.length - changed - failed} unchanged, ${failed} failed.**`;
  return [
    title,
    '',
    total,
    '',
    '| tenant | file | result | create | update | disable | delete | safety | warnings | domain |',
    '|---|---|---|--:|--:|--:|--:|---|--:|---|',
    ...tenants.map(row),
    '',
  ];
}

function row(t: MarkdownTenant): string {
  const name = t.tenant === null ? '–' : `${markdownCode(t.tenant, { inTable: true })} (${text(t.domain ?? '')})`;
  const p = t.plan;
  const result = t.result === 'failed' ? '❌ failed' : p && p.changes.length > 0 ? '📝 changes' : '✅ no changes';
  const counts = p ? [p.summary.create, p.summary.update, p.summary.disable, p.summary.delete].map(String) : ['–', '–', '–', '–'];
  const safety = !p ? '–' : p.safety.ok ? '✅ ok' : '⛔ unsafe';
  const cells = [name, markdownCode(t.file, { inTable: true }), result, ...counts, safety, p ? String(p.warnings.length) : '–', p ? domainState(p) : '–'];
  return `| ${cells.join(' | ')} |`;
}

function domainState(p: Plan): string {
  const c = p.domainCheck;
  if (c === null) return 'in place';
  return `${domainAllowed(c) ? '✅' : '⛔'} ${c.reason === 'create' ? 'new' : 'move'}: ${text(c.state)}`;
}

function section(t: MarkdownTenant): Section {
  const label = t.tenant === null ? t.file : `${t.tenant} (${t.domain ?? ''})`;
  const p = t.plan;
  if (t.result === 'failed' || !p) {
    return {
      tenant: t,
      open: [`<details><summary>❌ ${htmlText(label)}: failed</summary>`, '', `- ${markdownCode(t.file)}: ${text(t.error ?? 'failed')}`, ''],
      warnings: [],
      changes: [],
      close: ['</details>', ''],
      shownWarnings: 0,
      shownChanges: 0,
    };
  }
  const open = [`<details><summary>${htmlText(label)}: ${htmlText(summaryLine(p))}</summary>`, ''];
  for (const c of p.changes) {
    if (c.entity !== 'domain') continue;
    if (c.kind === 'create') open.push(`The SIP domain ${markdownCode(c.domain)} will be created.`, '');
    else
      open.push(
        `The tenant moves from ${markdownCode(c.from)} to ${markdownCode(c.to)}: ${c.accounts} accounts with their extensions and settings; usernames, extensions and passwords stay (one change for the safety brake).`,
        '',
      );
  }
  for (const l of domainCheckLines(p.domainCheck)) open.push(`${domainAllowed(p.domainCheck) ? '✅' : '⛔'} ${text(l)}`, '');
  const scope = scopeLine(p.scope);
  if (scope !== null) open.push(text(scope), '');
  for (const c of p.changes) {
    if (c.entity === 'record') open.push("pbxsync's record of the tenant (in the PBX and the state store):", ...recordLines(c).map((l) => `- ${text(l)}`), '');
  }
  if (!p.safety.ok) open.push(`> ⚠️ Exceeds the safety thresholds: ${p.safety.reasons.map(text).join('; ')}. Apply needs \`--allow-unsafe\`.`, '');
  const warnings = p.warnings.map((w) => {
    const at = w.location ? `${markdownCode(`${w.location.file}:${w.location.line}:${w.location.col}`)} ` : '';
    return `- ⚠️ ${at}${text(w.message)}${w.hint ? ` — ${text(w.hint)}` : ''}`;
  });
  const changes = p.changes.filter((c): c is SubscriberChange => c.entity === 'subscriber').map(changeDiffLines);
  return { tenant: t, open, warnings, changes, close: ['</details>', ''], shownWarnings: warnings.length, shownChanges: changes.length };
}

/**
 * Shares `room` among the sections: each gets what it needs, up to an equal share of what the
 * smaller ones leave (so one big onboarding cannot crowd out the others); within a section,
 * warnings come first, but take at most half of its room when changes also need some.
 */
function share(sections: Section[], room: number): void {
  const need = (s: Section) => linesBytes(s.warnings) + s.changes.reduce((n, c) => n + linesBytes(c), 0);
  const order = [...sections].sort((a, b) => need(a) - need(b));
  let left = room;
  order.forEach((s, i) => {
    const allowance = Math.min(need(s), Math.floor(left / (order.length - i)));
    left -= fill(s, allowance);
  });
}

function fill(s: Section, allowance: number): number {
  const changeNeed = s.changes.reduce((n, c) => n + linesBytes(c), 0);
  const warnRoom = changeNeed > 0 ? Math.max(Math.floor(allowance / 2), allowance - changeNeed) : allowance;
  let used = 0;
  s.shownWarnings = 0;
  for (const w of s.warnings) {
    if (used + bytes(w) + 1 > warnRoom) break;
    used += bytes(w) + 1;
    s.shownWarnings++;
  }
  s.shownChanges = 0;
  for (const c of s.changes) {
    if (used + linesBytes(c) > allowance) break;
    used += linesBytes(c);
    s.shownChanges++;
  }
  return used;
}

function sectionLines(s: Section): string[] {
  const lines = [...s.open];
  if (s.warnings.length > 0) {
    lines.push(`**Warnings (${s.warnings.length}):**`, '', ...s.warnings.slice(0, s.shownWarnings));
    if (s.shownWarnings < s.warnings.length)
      lines.push(`- ✂️ ${s.warnings.length - s.shownWarnings} more warning${s.warnings.length - s.shownWarnings === 1 ? '' : 's'} not shown`);
    lines.push('');
  }
  if (s.changes.length > 0) {
    const shown = s.changes.slice(0, s.shownChanges).flat();
    if (shown.length > 0) {
      const fence = codeFence(shown);
      lines.push(`${fence}diff`, ...shown, fence, '');
    }
    const cut = s.changes.length - s.shownChanges;
    if (cut > 0) lines.push(`✂️ ${cut} of ${s.changes.length} subscriber changes not shown here (cut to fit the comment).`, '');
  }
  return [...lines, ...s.close];
}

function cutNote(sections: readonly Section[], options: MarkdownOptions): string[] {
  const cut = sections.filter((s) => s.shownChanges < s.changes.length || s.shownWarnings < s.warnings.length);
  if (cut.length === 0) return [];
  const named = cut
    .slice(0, 8)
    .map(
      (s) =>
        `${markdownCode(s.tenant.tenant ?? s.tenant.file)} (${s.changes.length - s.shownChanges} of ${s.changes.length} changes, ${s.warnings.length - s.shownWarnings} of ${s.warnings.length} warnings)`,
    );
  const more = cut.length > named.length ? ` and ${cut.length - named.length} more tenants` : '';
  return [
    `> ✂️ **Cut to fit GitHub's comment limit** (65,536 characters): not shown are ${named.join(', ')}${more}. The counts above are complete. ${fullPlan(options)}`,
    '',
  ];
}

function fullPlan(options: MarkdownOptions): string {
  return options.savedPlans
    ? `The full plan is the saved plan in ${markdownCode(options.savedPlans)} (\`plan --out\`; in CI, the job's plan artifact); \`pbxsync plan FILE\` prints it as text.`
    : "The full plan: save it with `pbxsync plan … --out PATH` (in CI, the job's plan artifact), or print it with `pbxsync plan FILE`.";
}

/** Too many tenants for a section each: the table of tenants with changes or failures, the rest counted. */
function compact(tenants: readonly MarkdownTenant[], options: MarkdownOptions, limit: number): string {
  const interesting = tenants.filter((t) => t.result !== 'no-changes');
  const unchanged = tenants.length - interesting.length;
  const head = headLines(interesting).slice(0, 6);
  const rows: string[] = [];
  let size = linesBytes(head) + NOTE_RESERVE;
  for (const t of interesting) {
    const r = row(t);
    if (size + bytes(r) + 1 > limit) break;
    rows.push(r);
    size += bytes(r) + 1;
  }
  const left = interesting.length - rows.length;
  const note = `> ✂️ **Cut to fit GitHub's comment limit** (65,536 characters): ${tenants.length} tenants, ${unchanged} of them unchanged (not listed)${left > 0 ? `, ${left} more with changes or failures not listed` : ''}; no section per tenant. ${fullPlan(options)}`;
  return `${[`### pbxsync plan: ${tenants.length} tenants`, '', note, '', ...head.slice(4), ...rows, ''].join('\n')}\n`;
}
