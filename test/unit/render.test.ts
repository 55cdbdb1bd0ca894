import { describe, expect, it } from 'vitest';
import { makePlan } from '../../src/core/make-plan.js';
import { EMPTY_STORED_STATE } from '../../src/model/stored-state.js';
import { renderPlanJson } from '../../src/render/render-json.js';
import { renderPlanMarkdown } from '../../src/render/render-markdown.js';
import { renderPlanText } from '../../src/render/render-text.js';
import { applyPlan, config, emptyPbx, fakeCredentials, override, user } from '../support/builders.js';

const evil = user('=1+2 | <b>Bob</b>', 'bob@acme.com');
const ann = user('Ann Able');

function plans() {
  const first = makePlan({ config: config(), directory: [ann, evil], pbx: emptyPbx(), stored: EMPTY_STORED_STATE, credentials: fakeCredentials });
  const pbx = applyPlan(emptyPbx(), first);
  const cfg = config({ defaults: { language: 'de-DE' }, users: [override(ann.id, { generation: 2 })] });
  const second = makePlan({ config: cfg, directory: [ann], pbx, stored: first.nextState, credentials: fakeCredentials });
  return { first, second };
}

describe('renderers', () => {
  it('text: markers, old → new, secrets as (sensitive), the summary line', () => {
    const text = renderPlanText(plans().second);
    expect(text).toMatch(/^ {2}~ 1002 {3}ann\.able/m);
    expect(text).toMatch(/language:\s+\(none\) → "de-DE"/);
    expect(text).toMatch(/sip_password:\s+\(sensitive\)/);
    expect(text).toMatch(/^ {2}- 1001 {3}bob .*disable/m);
    expect(text.trimEnd().split('\n').pop()).toBe('Plan: 0 to create, 1 to update, 1 to disable, 0 to delete.');
  });

  it('markdown: one table row per subscriber, directory text escaped', () => {
    const md = renderPlanMarkdown(plans().first);
    expect(md).toContain('**Plan: 2 to create, 0 to update, 0 to disable, 0 to delete.**');
    expect(md.split('\n').filter((l) => l.startsWith('| ➕ create'))).toHaveLength(2);
    expect(md).toContain('=1+2 \\| \\<b\\>Bob\\</b\\>');
  });

  it('json: format_version, and no secret', () => {
    const text = renderPlanJson(plans().second);
    const json = JSON.parse(text);
    expect(json.format_version).toBe(1);
    expect(json.nextState.accounts).toBeDefined();
    expect(text).not.toMatch(/ha1|scrypt|password"\s*:\s*"[^"]/i);
    expect(json.summary).toEqual({ create: 0, update: 1, disable: 1, delete: 0 });
  });
});
