/**
 * Every renderer, with hostile text in every field of a plan that has every kind of change:
 * no raw control, bidi or invisible character reaches a terminal or a comment, the visible
 * escape does, and the output keeps the structure it has with harmless text.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { reportError } from '../../src/cli/report-error.js';
import { stderrLogger } from '../../src/cli/output.js';
import { safetyText } from '../../src/cli/safety-text.js';
import { TenantFileError } from '../../src/config/load-tenant.js';
import { PlanError } from '../../src/core/plan-error.js';
import { UserError } from '../../src/errors.js';
import { discoverTable } from '../../src/render/discover-table.js';
import { renderPlanMarkdown } from '../../src/render/render-markdown.js';
import { renderPlanText, warningLines } from '../../src/render/render-text.js';
import { ansiStyle, plainStyle } from '../../src/render/style.js';
import { HOSTILE, firstUnsafe, fullPlan, poisoned } from '../support/hostile.js';

const CASES = Object.entries(HOSTILE);
const clean = fullPlan();

/** pbxsync's own colours (style.ts), the only escape sequences it may write. */
const OWN_SGR = /\u001b\[(?:0|1|2|31|32|33|35)m/g;

describe('terminal renderers', () => {
  it('the hand-made plan shows every kind of change (so that the walks below cover them)', () => {
    const text = renderPlanText(clean);
    for (const marker of ['+ domain', '+ 1001', '~ 1002', '- 1003', '- 1004', "~ pbxsync's record", 'Warnings:', 'hint:']) expect(text).toContain(marker);
  });

  it.each(CASES)('plan text, %s in every field: no raw unsafe character, same lines', (_name, h) => {
    const text = renderPlanText(poisoned(clean, h));
    expect(firstUnsafe(text)).toBeNull();
    expect(text.split('\n')).toHaveLength(renderPlanText(clean).split('\n').length);
  });

  it.each(CASES)("plan text on a TTY, %s in every field: the only escape sequences are pbxsync's colours", (_name, h) => {
    const text = renderPlanText(poisoned(clean, h), ansiStyle);
    expect(text).toMatch(OWN_SGR);
    expect(firstUnsafe(text.replace(OWN_SGR, ''))).toBeNull();
  });

  it('plan text shows the visible escape where the raw character was', () => {
    const text = renderPlanText(poisoned(clean, HOSTILE.osc52 + HOSTILE.cr + HOSTILE.bidi));
    expect(text).toContain('Name 1\\u{1b}]52;c;Y3VybCBldmlsLmV4YW1wbGV8c2g=\\u{7}ok\\u{d}FAKE LINEAnn \\u{202e}gnp.exe\\u{202c}');
    expect(text).toMatch(/language.*:\s+"en-US\\u\{1b\}\]52/); // quoted attribute values too
    expect(text).toContain('tenant.yaml\\u{1b}]52'); // warning positions
  });

  it.each(CASES)('warnings and hints, %s: one line each, escaped', (_name, h) => {
    const lines = warningLines(poisoned(clean.warnings[0]!, h), plainStyle);
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line).not.toContain('\n');
      expect(firstUnsafe(line)).toBeNull();
    }
  });

  it.each(CASES)('discover table, %s in every cell: no raw unsafe character, one line per account', (_name, h) => {
    const plan = poisoned(clean, h);
    const table = discoverTable(plan.accounts, new Set([plan.accounts[0]!.objectId]));
    expect(firstUnsafe(table)).toBeNull();
    expect(table.trimEnd().split('\n')).toHaveLength(plan.accounts.length + 1);
  });

  it('discover table shows the visible escape', () => {
    const plan = poisoned(clean, HOSTILE.osc0);
    expect(discoverTable(plan.accounts, new Set())).toContain('Name 1\\u{1b}]0;pwned\\u{1b}\\');
  });

  it.each(CASES)('safety text, %s in the reasons: escaped, same lines', (_name, h) => {
    const text = safetyText(poisoned(clean.safety, h));
    expect(firstUnsafe(text)).toBeNull();
    expect(text.split('\n')).toHaveLength(safetyText(clean.safety).split('\n').length);
  });
});

describe('errors and notices on stderr', () => {
  let written = '';
  afterEach(() => {
    vi.restoreAllMocks();
    written = '';
  });
  function captureStderr(): void {
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written += String(chunk);
      return true;
    });
  }

  it.each(CASES)('a UserError quoting %s: message and hint on one line each, escaped', (_name, h) => {
    captureStderr();
    reportError(new UserError(`user ${h}@acme.com is in two tenants`, `remove ${h} from one`), plainStyle);
    expect(firstUnsafe(written)).toBeNull();
    expect(written.trimEnd().split('\n')).toHaveLength(2);
    expect(written).toMatch(/^error: user /);
  });

  it('a UserError shows the visible escape', () => {
    captureStderr();
    reportError(new UserError(`user ${HOSTILE.osc52}`), ansiStyle);
    expect(written).toContain('user \\u{1b}]52;c;');
    expect(firstUnsafe(written.replace(OWN_SGR, ''))).toBeNull();
  });

  it.each(CASES)('a PlanError listing %s: one line per problem, escaped', (_name, h) => {
    captureStderr();
    reportError(new PlanError([`pin of ${h} clashes`, `range of ${h} exhausted`], `fix ${h}`), plainStyle);
    expect(firstUnsafe(written)).toBeNull();
    expect(written.trimEnd().split('\n')).toHaveLength(4); // "2 problems:", two problems, the hint
  });

  it.each(CASES)('a tenant file problem quoting %s: file:line:col, message and hint escaped', (_name, h) => {
    captureStderr();
    reportError(
      new TenantFileError([{ severity: 'error', file: `tenant${h}.yaml`, line: 3, col: 5, message: `unknown key ${h}`, hint: `did you mean ${h}?` }]),
      plainStyle,
    );
    expect(firstUnsafe(written)).toBeNull();
    expect(written.trimEnd().split('\n')).toHaveLength(3);
  });

  it.each(CASES)('an unexpected error quoting %s: the trace keeps its lines, the rest is escaped', (_name, h) => {
    captureStderr();
    const err = new Error(`driver said ${h}`);
    reportError(err, plainStyle);
    expect(firstUnsafe(written)).toBeNull();
    expect(written).toContain('    at ');
  });

  it.each(CASES)('logger warnings and notices quoting %s are escaped; their own line breaks stay', (_name, h) => {
    captureStderr();
    const log = stderrLogger(false, plainStyle);
    log.warn(`tenant.yaml:1:1: warning: ${h}\n  hint: ${h}`);
    log.info(`waiting for tenant acme, locked by ${h}`);
    expect(firstUnsafe(written)).toBeNull();
    // A logger message is composed before it gets here, so a line feed inside a quoted value
    // cannot be told from the message's own: it stays a line break (never a CR, never an escape sequence).
    const ownLines = 3 + (h.match(/\n/g) ?? []).length * 3; // h is quoted three times
    expect(written.trimEnd().split('\n')).toHaveLength(ownLines);
  });
});

/** The line with its code spans (by CommonMark's rule: a run of N backticks to the next run of exactly N) replaced by `CODE`. */
function outsideCode(line: string): string {
  let out = '';
  for (let i = 0; i < line.length;) {
    if (line[i] === '\\') {
      out += line.slice(i, i + 2);
      i += 2;
      continue;
    }
    const run = /^`+/.exec(line.slice(i))?.[0];
    if (!run) {
      out += line[i++];
      continue;
    }
    const close = new RegExp(`(?<!\`)${run}(?!\`)`, 'g');
    close.lastIndex = i + run.length;
    const m = close.exec(line);
    if (!m) return `${out}UNCLOSED${line.slice(i)}`;
    out += 'CODE';
    i = m.index + run.length;
  }
  return out;
}

/** `|` that end a GFM table cell: those not right after a backslash (cmark-gfm's cell scanner). */
const cellPipes = (line: string) => (line.match(/(?<!\\)\|/g) ?? []).length;

describe('markdown renderer', () => {
  const cleanLines = renderPlanMarkdown(clean).split('\n');

  it.each(CASES)('%s in every field: same lines, same table, nothing from the data is markup', (_name, h) => {
    const md = renderPlanMarkdown(poisoned(clean, h));
    expect(firstUnsafe(md)).toBeNull();
    const lines = md.split('\n');
    expect(lines).toHaveLength(cleanLines.length);
    let fence: string | null = null;
    lines.forEach((line, i) => {
      expect(line.slice(0, 3)).toBe(cleanLines[i]!.slice(0, 3)); // no heading, list, quote or fence from the data
      if (fence !== null) {
        if (line === fence) fence = null;
        else expect(line).toMatch(/^(\+ |- |@@ )/); // diff lines: pbxsync's marker first, so nothing closes the block
        if (fence !== null) expect(line).not.toContain(fence); // and no backtick run as long as the fence
        return;
      }
      const opened = /^(`{3,})diff$/.exec(line);
      if (opened) {
        fence = opened[1]!;
        return;
      }
      if (line.startsWith('<details>')) {
        const inner = /^<details><summary>(.*)<\/summary>$/.exec(line)?.[1];
        expect(inner, line).toBeDefined();
        expect(inner!.replace(/<span>\$<\/span>/g, '')).not.toMatch(/[<>]|(?<![A-Za-z0-9_])@(?!&#8203;)|(?<!&)#[0-9]/); // no tag, mention or reference from the data
        return;
      }
      if (line.startsWith('|')) expect(cellPipes(line)).toBe(11); // 10 cells, whatever the data holds
      if (line.startsWith('|')) expect(outsideCode(line)).not.toContain('UNCLOSED');
      const prose = outsideCode(line).replace(/<span>\$<\/span>/g, 'DOLLAR');
      if (line === '</details>') return;
      expect(prose).not.toMatch(/(?<!\\)[<[\]`]/); // raw HTML, links, images, code
      expect(prose.replace(/^> /, '')).not.toMatch(/(?<!\\)>/);
      expect(prose).not.toMatch(/(?<!\\)\$/); // math
      expect(prose).not.toMatch(/https?:\/\/|www\./); // autolinks
      expect(prose).not.toMatch(/(?<![A-Za-z0-9_]\\?)@(?!&#8203;)/); // mentions
      expect(prose).not.toMatch(/(?<!&)#[0-9]|\bGH\\?-[0-9]/i); // issue references (the `#` of our `&#8203;` aside)
      if (!line.startsWith('**')) expect(prose).not.toMatch(/(?<!\\)[*_~]/); // emphasis, strikethrough
    });
    expect(fence).toBeNull();
  });

  it('shows the visible escapes and the text: escaped once more for Markdown in prose, as is in the diff block', () => {
    const md = renderPlanMarkdown(poisoned(clean, HOSTILE.osc52 + HOSTILE.bidi + HOSTILE.mention));
    expect(md).toContain('@@ create 1001\\u{1b}]52;c;'); // in the code block: the terminal rule only (no mention is read there)
    expect(md).toContain('Name 1\\u{1b}]52;c;');
    expect(md).toContain('\\\\u\\{202e\\}'); // in prose: escaped for Markdown
    expect(md).toContain('\\@&#8203;octocat and \\@&#8203;acme\\/admins');
  });

  it('keeps code spans for the positions, and fences the diff block so that the data cannot close it', () => {
    const md = renderPlanMarkdown(poisoned(clean, HOSTILE.backticks));
    expect(md).toMatch(/^````diff$/m); // the data holds ``` runs: the fence is one longer
    expect(md).toContain('+  username: user1``` code ```');
    expect(md).toContain('````tenant.yaml``` code ```:7:3````');
    expect(md).toContain('### pbxsync plan: ```` acme``` code ``` ```` (acme');
  });
});
