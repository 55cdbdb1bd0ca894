/**
 * Where a JSON text stops being valid, as line and column (1-based), for messages such as
 * `directory.json:12:5: ...`. Node 20's `JSON.parse` errors give a position only for some
 * failures ("Unexpected token 'x', ... is not valid JSON" has none), so this re-scans the text
 * with a small validating scanner that follows RFC 8259 exactly as `JSON.parse` does.
 */
export interface TextPosition {
  readonly line: number;
  readonly col: number;
}

/** The position of the first syntax error in `text`, or null when `text` is valid JSON. */
export function jsonErrorPosition(text: string): TextPosition | null {
  const offset = firstErrorOffset(text);
  return offset === null ? null : offsetToPosition(text, offset);
}

function offsetToPosition(text: string, offset: number): TextPosition {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, col: offset - lineStart + 1 };
}

class SyntaxAt extends Error {
  constructor(readonly offset: number) {
    super(`JSON syntax error at ${offset}`);
  }
}

function firstErrorOffset(text: string): number | null {
  const scanner = new Scanner(text);
  try {
    scanner.document();
    return null;
  } catch (error) {
    if (error instanceof SyntaxAt) return error.offset;
    throw error;
  }
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const LITERALS = ['true', 'false', 'null'] as const;

class Scanner {
  private i = 0;

  constructor(private readonly s: string) {}

  document(): void {
    this.ws();
    this.value();
    this.ws();
    if (this.i < this.s.length) throw new SyntaxAt(this.i);
  }

  private ws(): void {
    while (this.i < this.s.length && ' \t\n\r'.includes(this.s[this.i] as string)) this.i++;
  }

  private expect(ch: string): void {
    if (this.s[this.i] !== ch) throw new SyntaxAt(this.i);
    this.i++;
  }

  private value(): void {
    const ch = this.s[this.i];
    if (ch === '{') return this.container('}', () => this.member());
    if (ch === '[') return this.container(']', () => this.value());
    if (ch === '"') return this.string();
    for (const literal of LITERALS) {
      if (this.s.startsWith(literal, this.i)) {
        this.i += literal.length;
        return;
      }
    }
    NUMBER.lastIndex = this.i;
    if (!NUMBER.test(this.s)) throw new SyntaxAt(this.i);
    this.i = NUMBER.lastIndex;
  }

  /** `{ member, ... }` or `[ value, ... ]`; the opening character is at `this.i`. */
  private container(close: string, item: () => void): void {
    this.i++;
    this.ws();
    if (this.s[this.i] === close) {
      this.i++;
      return;
    }
    for (;;) {
      this.ws();
      item();
      this.ws();
      if (this.s[this.i] === close) {
        this.i++;
        return;
      }
      this.expect(',');
    }
  }

  private member(): void {
    if (this.s[this.i] !== '"') throw new SyntaxAt(this.i);
    this.string();
    this.ws();
    this.expect(':');
    this.ws();
    this.value();
  }

  private string(): void {
    this.i++;
    for (;;) {
      const code = this.s.charCodeAt(this.i);
      if (Number.isNaN(code) || code < 0x20) throw new SyntaxAt(this.i);
      this.i++;
      if (code === 0x22) return;
      if (code === 0x5c) this.escape();
    }
  }

  private escape(): void {
    const ch = this.s[this.i];
    if (ch !== undefined && '"\\/bfnrt'.includes(ch)) {
      this.i++;
      return;
    }
    if (ch === 'u' && /^[0-9a-fA-F]{4}$/.test(this.s.slice(this.i + 1, this.i + 5))) {
      this.i += 5;
      return;
    }
    throw new SyntaxAt(this.i);
  }
}
