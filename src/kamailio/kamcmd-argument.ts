/**
 * How kamcmd reads an argument (kamcmd.c, parse_arg): whatever strtol or strtod can read
 * whole is sent as an integer or a double — `1001`, `1e3`, `0x1p3`, `inf`, `nan`, even the
 * empty word — anything else as a string, with a leading `s:` removed. RPC commands such as
 * `ul.rm` scan strings, so a word that might read as a number (or begins with `s:`) gets
 * `s:` in front. An AOR like `alice@acme.com` or the table name `location` goes as it is.
 */
export function kamcmdArgument(value: string): string {
  return value === '' || /^\s*[-+]?(\d|\.\d|inf|nan)/i.test(value) || value.startsWith('s:') ? `s:${value}` : value;
}

/**
 * kamcmd's interactive mode (one process for many commands) splits its input lines on
 * white space, so an argument with white space or a control character cannot go through it.
 */
export function kamcmdSafe(value: string): boolean {
  return !/[\s\u0000-\u001f\u007f]/.test(value);
}
