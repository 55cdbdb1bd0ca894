/**
 * An error the user can cause and fix (bad file, missing consent, unsafe plan, busy database):
 * the CLI prints its message and hint on one line each, without a stack trace.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'UserError';
  }
}
