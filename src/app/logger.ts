/** Where progress and notices go (stderr in the CLI); the plan itself goes to stdout. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
}

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined };
