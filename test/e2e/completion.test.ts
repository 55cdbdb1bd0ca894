/**
 * `pbxsync completion bash|zsh`: the scripts are loaded into a real bash and a real zsh (in a
 * pseudo-terminal, pressing TAB) and complete commands, subcommands, options, choices and files
 * — and they follow the program: every command of buildProgram() is offered.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { ROOT, pbxsync, scratchDir } from '../support/cli.js';

let dir: string;
let bashScript: string;
let zshScript: string;

beforeAll(() => {
  dir = scratchDir('completion-');
  writeFileSync(join(dir, 'tenant.yaml'), '');
  writeFileSync(join(dir, 'other.yaml'), '');
  mkdirSync(join(dir, 'tenants'));
  for (const shell of ['bash', 'zsh'] as const) {
    const r = pbxsync(['completion', shell], { cwd: dir });
    expect(r.status).toBe(0);
    writeFileSync(join(dir, `pbxsync.${shell}`), r.stdout);
  }
  bashScript = join(dir, 'pbxsync.bash');
  zshScript = join(dir, 'pbxsync.zsh');
});

const hasZsh = spawnSync('zsh', ['-fc', 'true']).status === 0;

/** What bash's completion function offers for the words typed (the last one being completed). */
function bashComplete(words: string[]): string[] {
  const quoted = words.map((w) => `'${w}'`).join(' ');
  const r = spawnSync(
    'bash',
    [
      '--norc',
      '--noprofile',
      '-c',
      `source "$1"; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _pbxsync_bash; printf '%s\\n' "\${COMPREPLY[@]}"`,
      'bash',
      bashScript,
    ],
    {
      cwd: dir,
      encoding: 'utf8',
      timeout: 20_000,
    },
  );
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .sort();
}

describe('bash', () => {
  it('completes commands and subcommands', () => {
    expect(bashComplete(['pbxsync', 'pl'])).toEqual(['plan']);
    expect(bashComplete(['pbxsync', 'key', 'g'])).toEqual(['generate']);
    expect(bashComplete(['pbxsync', 'domain', ''])).toEqual(['help', 'verify']);
    expect(bashComplete(['pbxsync', '--no-color', 'ap'])).toEqual(['apply']);
  });

  it('offers every command of the program, so a new command completes without touching the script', () => {
    const names = buildProgram().commands.map((c) => c.name());
    expect(names.length).toBeGreaterThan(5);
    expect(bashComplete(['pbxsync', ''])).toEqual([...names, 'help'].sort());
  });

  it("completes a command's options and the global ones, not the hidden ones", () => {
    expect(bashComplete(['pbxsync', 'plan', '--de'])).toEqual(['--detailed-exitcode']);
    expect(bashComplete(['pbxsync', 'apply', 'x.yaml', '--lock-timeout', '5m', '--a'])).toEqual(['--allow-unsafe', '--auto-approve']);
    expect(bashComplete(['pbxsync', 'domain', 'verify', '--'])).not.toContain('--poll-interval');
    expect(bashComplete(['pbxsync', 'key', 'generate', '--no'])).toEqual(['--no-color']);
  });

  it('completes files for file arguments and file options, nothing for other values, choices for choices', () => {
    expect(bashComplete(['pbxsync', 'plan', 'ten'])).toEqual(['tenant.yaml', 'tenants']);
    expect(bashComplete(['pbxsync', 'plan', 'tenant.yaml', '--out', 'o'])).toEqual(['other.yaml']);
    expect(bashComplete(['pbxsync', 'apply', '--plan', '=', 'o'])).toEqual(['other.yaml']); // --plan=o, as bash splits it
    expect(bashComplete(['pbxsync', 'apply', '--lock-timeout', ''])).toEqual([]);
    expect(bashComplete(['pbxsync', 'pbx', 'init', ''])).toEqual([]);
    expect(bashComplete(['pbxsync', 'completion', ''])).toEqual(['bash', 'zsh']);
  });
});

describe.skipIf(!hasZsh)('zsh', () => {
  it('is a valid zsh script', () => {
    const r = spawnSync('zsh', ['-n', zshScript], { encoding: 'utf8', timeout: 20_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('completes with TAB in an interactive zsh after compinit', () => {
    const typed = ['pbxsync pl', 'pbxsync plan --de', 'pbxsync key g', 'pbxsync completion z', 'pbxsync apply oth'];
    const r = spawnSync('zsh', ['-f', join(ROOT, 'test', 'support', 'zsh-complete.zsh'), zshScript, ...typed], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: dir, TERM: 'dumb' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n').slice(0, typed.length)).toEqual([
      'pbxsync plan ',
      'pbxsync plan --detailed-exitcode ',
      'pbxsync key generate ',
      'pbxsync completion zsh ',
      'pbxsync apply other.yaml ',
    ]);
  });
});
