import { describe, expect, it } from 'vitest';
import { makePlan } from '../../src/core/make-plan.js';
import { EMPTY_STORED_STATE } from '../../src/model/stored-state.js';
import { renderPlanMarkdown } from '../../src/render/render-markdown.js';
import { renderPlanText } from '../../src/render/render-text.js';
import { KEY_ID, applyPlan, config, emptyPbx, fakeCredentials, override, user } from '../support/builders.js';

const evil = user('=1+2 | <b>Bob</b>', 'bob@acme.com');
const ann = user('Ann Able');

function plans() {
  const base = { credentials: fakeCredentials, keyId: KEY_ID };
  const first = makePlan({ ...base, config: config(), directory: [ann, evil], pbx: emptyPbx(), stored: EMPTY_STORED_STATE });
  const pbx = applyPlan(emptyPbx(), first);
  const cfg = config({ defaults: { language: 'de-DE' }, users: [override(ann.id, { generation: 2 }), override('gone@acme.com')] });
  const second = makePlan({ ...base, config: cfg, directory: [ann], pbx, stored: first.nextState, locate: () => ({ file: 'tenant.yaml', line: 7, col: 3 }) });
  return { first, second };
}

describe('renderers', () => {
  it('text: markers, old → new, secrets as (sensitive), warnings with positions, the summary line', () => {
    const text = renderPlanText(plans().second);
    expect(text).toMatch(/^ {2}~ 1002 {3}ann\.able/m);
    expect(text).toMatch(/language:\s+\(none\) → "de-DE"/);
    expect(text).toMatch(/sip_password:\s+\(sensitive\)/);
    expect(text).toMatch(/^ {2}- 1001 {3}bob .*disable/m);
    expect(text).toMatch(/^ {2}! tenant\.yaml:7:3: users\.gone@acme\.com matches no directory user$/m);
    expect(text.trimEnd().split('\n').pop()).toBe('Plan: 0 to create, 1 to update, 1 to disable, 0 to delete.');
  });

  it('markdown: a summary table, a collapsed section with a diff block per subscriber change, directory text escaped, warnings shown', () => {
    const md = renderPlanMarkdown(plans().first);
    expect(md).toContain('**Plan: 2 to create, 0 to update, 0 to disable, 0 to delete.**');
    expect(md).toContain('| `acme` (acme\\.com) | `acme` | 📝 changes | 2 | 0 | 0 | 0 | ✅ ok | 0 | in place |');
    expect(md).toMatch(/^<details><summary>acme \(acme\.com\): Plan: 2 to create/m);
    expect(md.split('\n').filter((l) => l.startsWith('@@ create'))).toHaveLength(2);
    expect(md).toContain('@@ create 1001 bob  =1+2 | <b>Bob</b> <bob@acme.com> @@'); // in the code block: inert as it is
    expect(md).toContain('- master key id k1\\-0123456789abcdef recorded');
    const second = renderPlanMarkdown(plans().second);
    expect(second).toMatch(/^- ⚠️ `tenant\.yaml:7:3` users\\\.gone\\@acme\\\.com matches no directory user/m);
    expect(second).toMatch(
      /^@@ update 1002 ann\.able {2}Ann Able <ann\.able@acme\.com> @@\n- {2}pbxsync_generation: 1\n\+ {2}language: de-DE\n\+ {2}pbxsync_generation: 2\n\+ {2}sip_password: \(sensitive\)/m,
    );
  });
});
