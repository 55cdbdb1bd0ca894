/**
 * Asks for confirmation and returns the first line typed (or piped). End of input counts as
 * no answer, so a run without a terminal and without --auto-approve never applies by accident.
 */
import { createInterface } from 'node:readline';

export function confirm(question: string): Promise<string> {
  process.stderr.write(question);
  const rl = createInterface({ input: process.stdin, terminal: false });
  return new Promise((resolve) => {
    let answered = false;
    rl.once('line', (line) => {
      answered = true;
      rl.close();
      resolve(line.trim());
    });
    rl.once('close', () => {
      if (!answered) resolve('');
    });
  });
}
