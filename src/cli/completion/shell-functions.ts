/**
 * The part of the completion scripts that bash and zsh share: the program's commands and
 * options as shell functions (from completionSpec), and one walker that reads the words typed
 * so far and says what may come next. Written in the common subset of both shells (no arrays;
 * no variable named `path`, which zsh ties to PATH).
 */
import type { CommandSpec, OptionSpec, ValueKind } from './spec.js';

/** One shell word in single quotes. */
function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Names become case patterns and shell words: letters, digits and a few marks only. */
function checkedName(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._:-]*$|^-{1,2}[A-Za-z0-9][A-Za-z0-9-]*$/.test(name)) throw new Error(`cannot complete the name ${JSON.stringify(name)}`);
  return name;
}

function valueWord(value: ValueKind): string {
  return value.kind === 'choices' ? `choices ${value.choices.map(checkedName).join(' ')}` : value.kind;
}

/** `printf` of name<TAB>description lines. */
function table(rows: { name: string; description: string }[]): string {
  if (rows.length === 0) return ':';
  return `printf '%s\\t%s\\n' ${rows.map((r) => `${quote(checkedName(r.name))} ${quote(oneLine(r.description))}`).join(' ')}`;
}

function caseFunction(name: string, doc: string, arms: [pattern: string, body: string][]): string {
  const lines = arms.map(([pattern, body]) => `    ${pattern}) ${body} ;;`);
  return `# ${doc}\n${name}() {\n  case $1 in\n${lines.join('\n')}\n  esac\n}`;
}

/** The spelling offered: --version rather than -V (the short ones are still understood when typed). */
const longest = (names: string[]) => names.reduce((a, b) => (b.length > a.length ? b : a));

const isHelpOrVersion = (o: OptionSpec) => o.names.some((n) => n === '--help' || n === '--version');

export function shellFunctions(specs: CommandSpec[]): string {
  const root = specs[0];
  if (root === undefined || root.path.length !== 0) throw new Error('completionSpec must start with the program');
  // Program options other than --help/--version count after a subcommand too (commander reads them anywhere).
  const globals = root.options.filter((o) => !isHelpOrVersion(o));
  const key = (s: CommandSpec) => quote(s.path.join(' '));
  const optionsOf = (s: CommandSpec) =>
    s.path.length === 0 ? s.options : [...s.options, ...globals.filter((g) => !s.options.some((o) => o.names.some((n) => g.names.includes(n))))];

  const subcommands = caseFunction(
    '_pbxsync_subcommands',
    'the subcommands of a command (its words after pbxsync), as name<TAB>description',
    specs.filter((s) => s.subcommands.length > 0).map((s) => [key(s), table(s.subcommands)]),
  );
  const options = caseFunction(
    '_pbxsync_options',
    'the options of a command, as name<TAB>description',
    specs.map((s) => [key(s), table(optionsOf(s).map((o) => ({ name: longest(o.names), description: o.description })))]),
  );
  const valueArms: [string, string][] = [];
  for (const s of specs)
    for (const o of s.options) for (const n of o.names) valueArms.push([quote(`${s.path.join(' ')}|${n}`), `echo ${quote(valueWord(o.value))}`]);
  for (const o of globals) for (const n of o.names) valueArms.push([`*${quote(`|${n}`)}`, `echo ${quote(valueWord(o.value))}`]);
  const values = caseFunction('_pbxsync_option_value', 'what follows an option ("command|option"): none, file, word or choices ...', valueArms);
  const args = caseFunction(
    '_pbxsync_argument',
    "what a command's arguments are: none, file, word or choices ...",
    specs.map((s) => [key(s), `echo ${quote(valueWord(s.argument))}`]),
  );
  return [subcommands, options, values, args, WALKER].join('\n\n');
}

const WALKER = `# The words after pbxsync, the last one being completed. Prints "files", "none", or
# "words" and then the candidates as name<TAB>description.
_pbxsync_complete() {
  local cmd='' skip='' kind='' w
  while [ $# -gt 1 ]; do
    w=$1
    shift
    if [ -n "$skip" ]; then
      # bash splits --out=x at "=": the value is still to come
      [ "$w" = '=' ] || skip=''
      continue
    fi
    case $w in
      --*=*) ;;
      -*)
        kind=$(_pbxsync_option_value "$cmd|$w")
        case $kind in '' | none) ;; *) skip=1 ;; esac
        ;;
      *)
        if _pbxsync_subcommands "$cmd" | cut -f1 | grep -Fqx -- "$w"; then cmd=\${cmd:+$cmd }$w; fi
        ;;
    esac
  done
  if [ -n "$skip" ]; then
    :
  else
    case $1 in
      -*) echo words; _pbxsync_options "$cmd"; return ;;
    esac
    if [ -n "$(_pbxsync_subcommands "$cmd")" ]; then
      echo words
      _pbxsync_subcommands "$cmd"
      return
    fi
    kind=$(_pbxsync_argument "$cmd")
  fi
  case $kind in
    file) echo files ;;
    choices\\ *) echo words; printf '%s\\n' "\${kind#choices }" | tr ' ' '\\n' ;;
    *) echo none ;;
  esac
}`;
