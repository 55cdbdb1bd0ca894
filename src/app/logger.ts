/** Where progress and notices go (stderr in the CLI); the plan itself goes to stdout. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  /**
   * Progress of a long step (`total` unset while unknown, e.g. directory pages); the CLI draws
   * it only on a terminal. Called with done === total at the end.
   */
  progress(label: string, done: number, total?: number): void;
}

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, progress: () => undefined };
