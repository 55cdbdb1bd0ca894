import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandTenantArgs } from '../../src/app/tenant-files.js';
import { UserError } from '../../src/errors.js';
import { htmlText } from '../../src/render/html-text.js';
import { tempDir } from '../support/tmp.js';

describe('which files a folder stands for', () => {
  it('every *.yaml and *.yml directly inside, in name order: no subfolder, dot-file, saved plan or state file', () => {
    const dir = tempDir();
    for (const f of ['b.yaml', 'a.yml', '.hidden.yaml', 'a.plan.json', 'acme.pbxsync-state.json', 'directory.json', 'acme-credentials.xlsx', 'notes.md'])
      writeFileSync(join(dir, f), '');
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'c.yaml'), '');
    expect(expandTenantArgs([dir])).toEqual({ files: [join(dir, 'a.yml'), join(dir, 'b.yaml')], single: false });
  });

  it('one file is a single run; a file named twice (or also by its folder) runs once', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.yaml'), '');
    expect(expandTenantArgs([join(dir, 'a.yaml')])).toEqual({ files: [join(dir, 'a.yaml')], single: true });
    expect(expandTenantArgs([join(dir, 'a.yaml'), dir])).toEqual({ files: [join(dir, 'a.yaml')], single: false });
    expect(expandTenantArgs(['missing.yaml'])).toEqual({ files: ['missing.yaml'], single: true }); // its run reports it
  });

  it('a folder with no tenant file is an error with a hint', () => {
    const dir = tempDir();
    expect(() => expandTenantArgs([dir])).toThrow(UserError);
    expect(() => expandTenantArgs([dir])).toThrow(/holds no tenant file/);
  });
});

describe('htmlText: dynamic text in a <summary>', () => {
  it('no tag, entity, mention, reference or raw control from the data', () => {
    expect(htmlText('</summary><img src=x onerror=alert(1)>')).toBe('&lt;/summary&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(htmlText('&#64;octocat "q" \'s\'')).toBe('&amp;#&#8203;64;octocat &quot;q&quot; &#39;s&#39;');
    expect(htmlText('@octocat bob@acme.com #12 $x$')).toBe('@&#8203;octocat bob@acme.com #&#8203;12 <span>$</span>x<span>$</span>');
    expect(htmlText('a\r\nb\u202e')).toBe('a\\u{d}\\u{a}b\\u{202e}');
  });
});
