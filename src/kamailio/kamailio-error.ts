/** Why one Kamailio command did not go through: one line (`message`), and what to check (`hint`). */
import { UserError } from '../errors.js';

export class KamailioError extends UserError {
  constructor(message: string, hint?: string) {
    super(message, hint);
    this.name = 'KamailioError';
  }
}

/** `5s`, `1.5s`: time limits in messages. */
export function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))}s`;
}
