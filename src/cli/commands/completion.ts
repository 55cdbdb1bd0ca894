/** `pbxsync completion bash|zsh`: print a shell completion script made from the program's own commands. */
import type { Command } from 'commander';
import { bashCompletion } from '../completion/bash.js';
import { zshCompletion } from '../completion/zsh.js';
import { EXIT_OK } from '../exit-codes.js';
import { out } from '../output.js';

export default async function completion(shell: 'bash' | 'zsh', _options: unknown, command: Command): Promise<number> {
  let program = command;
  while (program.parent) program = program.parent;
  out(shell === 'bash' ? bashCompletion(program) : zshCompletion(program));
  return EXIT_OK;
}
