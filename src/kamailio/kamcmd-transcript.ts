/**
 * Reads what kamcmd's interactive mode printed for a batch of command lines (one process,
 * one connection to Kamailio's ctl socket, however many commands). kamcmd prints a banner,
 * then for every line it reads a prompt, the line itself (readline echoes it when stdin is
 * not a terminal; a build without readline does not) and the answer: nothing for a command
 * without result (`ul.rm`, `domain.reload`), its values, `error: <code> - <message>` for
 * an RPC fault, or `ERROR: …` when kamcmd cannot make sense of the line. After the last
 * line it prints one more prompt and exits on end of input.
 *
 * Errors of the connection itself (Kamailio went away) go to stderr, not here: the caller
 * must not take a command for done when stderr says something went wrong.
 */
const KAMCMD_PROMPT = 'kamcmd> ';

export type TranscriptAnswer =
  | { readonly kind: 'done'; readonly output: string }
  /** An RPC fault (`code` from Kamailio), or kamcmd refusing the line itself (no code). */
  | { readonly kind: 'fault'; readonly code: number | null; readonly message: string }
  /** kamcmd stopped (or is still running) before the answer was complete. */
  | { readonly kind: 'missing' };

/**
 * One answer per line sent. `complete`: kamcmd exited normally after reading every line, so
 * the text after the last prompt is a whole answer too.
 */
export function readTranscript(stdout: string, lines: readonly string[], complete: boolean): TranscriptAnswer[] {
  // parts[0] is the banner; parts[i + 1] is what followed the prompt for line i.
  const parts = stdout.split(KAMCMD_PROMPT);
  return lines.map((line, i) => {
    const part = parts[i + 1];
    // An answer is whole once the next prompt has appeared, or kamcmd ended normally.
    if (part === undefined || (i + 2 >= parts.length && !complete)) return { kind: 'missing' } as const;
    return answerOf(withoutEcho(part, line));
  });
}

function withoutEcho(part: string, line: string): string {
  return part.startsWith(`${line}\n`) ? part.slice(line.length + 1) : part === line ? '' : part;
}

function answerOf(text: string): TranscriptAnswer {
  const fault = /^error: (-?\d+) - (.*)$/m.exec(text);
  if (fault) return { kind: 'fault', code: Number(fault[1]), message: fault[2]!.trim() };
  // kamcmd's own complaints about a line ("ERROR: bad argument 2: …") go to stdout too.
  const refused = /^ERROR:?\s*(.*)$/m.exec(text);
  if (refused) return { kind: 'fault', code: null, message: refused[1]!.trim() };
  return { kind: 'done', output: text.trimEnd() };
}
