/** Colours for text output; the CLI passes ANSI colours on a TTY and `plainStyle` otherwise. */
export interface Style {
  readonly add: (s: string) => string;
  readonly change: (s: string) => string;
  readonly remove: (s: string) => string;
  readonly dim: (s: string) => string;
  readonly bold: (s: string) => string;
  readonly warn: (s: string) => string;
}

const id = (s: string) => s;
export const plainStyle: Style = { add: id, change: id, remove: id, dim: id, bold: id, warn: id };

const ansi = (code: string) => (s: string) => `\u001b[${code}m${s}\u001b[0m`;
export const ansiStyle: Style = {
  add: ansi('32'),
  change: ansi('33'),
  remove: ansi('31'),
  dim: ansi('2'),
  bold: ansi('1'),
  warn: ansi('35'),
};
