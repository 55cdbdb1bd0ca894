/**
 * What a shell can complete, read from the commander program itself (commands, their
 * subcommands, options and arguments), so that completion follows every new command or
 * option without a list to keep in step.
 */
import type { Argument, Command, Option } from 'commander';

/** What goes after an option or in an argument's place. */
export type ValueKind = { kind: 'none' } | { kind: 'file' } | { kind: 'word' } | { kind: 'choices'; choices: string[] };

export interface OptionSpec {
  /** Every spelling, e.g. `--help` and `-h`. */
  readonly names: string[];
  readonly description: string;
  /** `none` for a flag; otherwise what its value is. */
  readonly value: ValueKind;
}

export interface CommandSpec {
  /** The words that lead here after `pbxsync`, e.g. `['key', 'generate']`; empty for the program. */
  readonly path: string[];
  readonly description: string;
  readonly subcommands: { name: string; description: string }[];
  readonly options: OptionSpec[];
  /** What the positional arguments are (files, choices); `none` when the command takes none. */
  readonly argument: ValueKind;
}

/** A placeholder such as `<file>`, `<plan.json>` or `<dir>` names a path; `<url>` or `<duration>` does not. */
function kindOfName(name: string, choices: readonly string[] | undefined): ValueKind {
  if (choices && choices.length > 0) return { kind: 'choices', choices: [...choices] };
  return /file|path|dir|\.json|\.ya?ml/i.test(name) ? { kind: 'file' } : { kind: 'word' };
}

function optionSpec(option: Option): OptionSpec {
  const names = [option.long, option.short].filter((n): n is string => n !== undefined);
  const placeholder = /[<[]([^>\]]+)[>\]]/.exec(option.flags)?.[1];
  const value = option.required || option.optional ? kindOfName(placeholder ?? '', option.argChoices) : ({ kind: 'none' } as const);
  return { names, description: option.description, value };
}

function argumentKind(args: readonly Argument[]): ValueKind {
  const first = args[0];
  return first === undefined ? { kind: 'none' } : kindOfName(first.name(), first.argChoices);
}

/** Every command of the program, the program first, depth first; hidden commands and options left out. */
export function completionSpec(program: Command): CommandSpec[] {
  const specs: CommandSpec[] = [];
  const visit = (command: Command, path: string[]): void => {
    const help = command.createHelp();
    const subcommands = help.visibleCommands(command);
    specs.push({
      path,
      description: command.description(),
      subcommands: subcommands.map((c) => ({ name: c.name(), description: c.description() })),
      options: help.visibleOptions(command).map(optionSpec),
      argument: argumentKind(command.registeredArguments),
    });
    for (const sub of command.commands) if (subcommands.includes(sub)) visit(sub, [...path, sub.name()]);
  };
  visit(program, []);
  return specs;
}
