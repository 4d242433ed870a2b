import { tokenize, type LexError, type Token } from './lexer.js';

// Reading tokens one by one, and the errors of the text: each says where (line, column) and
// what was expected there.

/** A syntax or resolution error of the text. */
export interface TextError {
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** One line: `expected ')' after the inputs, found 'x'`. */
  message: string;
  /** What the parser wanted at that place, when it can say. */
  expected?: string;
}

/** Thrown inside the parser; parse functions turn it into a result. */
export class TextFailure {
  constructor(readonly error: TextError) {}
}

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function describe(t: Token): string {
  if (t.kind === 'eof') return 'the end of the text';
  if (t.kind === 'string') return `the string ${JSON.stringify(t.text.length > 24 ? `${t.text.slice(0, 24)}…` : t.text)}`;
  return `'${t.text}'`;
}

export class Cursor {
  protected readonly tokens: Token[];
  protected pos = 0;

  constructor(source: string) {
    try {
      this.tokens = tokenize(source);
    } catch (e) {
      const l = e as LexError;
      throw new TextFailure({ line: l.line, column: l.column, message: l.message });
    }
  }

  peek(k = 0): Token {
    return this.tokens[Math.min(this.pos + k, this.tokens.length - 1)]!;
  }

  next(): Token {
    const t = this.peek();
    if (this.pos < this.tokens.length - 1) this.pos++;
    return t;
  }

  /** The last token consumed. */
  previous(): Token {
    return this.tokens[Math.max(0, this.pos - 1)]!;
  }

  isPunct(p: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'punct' && t.text === p;
  }

  isWord(w: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'ident' && t.text === w;
  }

  /** Consumes `p` when it is next. */
  eat(p: string): boolean {
    if (!this.isPunct(p)) return false;
    this.pos++;
    return true;
  }

  expect(p: string, context: string): Token {
    if (!this.isPunct(p)) this.fail(this.peek(), `'${p}' ${context}`);
    return this.next();
  }

  /** Fails at `at`: `expected <expected>, found <token>`. */
  fail(at: Token, expected: string): never {
    throw new TextFailure({ line: at.line, column: at.column, message: `expected ${expected}, found ${describe(at)}`, expected });
  }

  /** Fails at `at` with a message of its own. */
  failWith(at: Token, message: string): never {
    throw new TextFailure({ line: at.line, column: at.column, message });
  }

  /** A name: an identifier or a quoted string. */
  name(what: string): string {
    const t = this.peek();
    if (t.kind !== 'ident' && t.kind !== 'string') this.fail(t, what);
    this.pos++;
    return t.text;
  }

  string(what: string): string {
    const t = this.peek();
    if (t.kind !== 'string') this.fail(t, what);
    this.pos++;
    return t.text;
  }

  /** An integer literal: a number when exact, a bigint beyond 2^53. */
  integer(what: string): number | bigint {
    const t = this.peek();
    if (t.kind !== 'int') this.fail(t, what);
    this.pos++;
    const b = BigInt(t.text);
    // int64 and uint64 (uint64 tensors) are the widest integers ONNX holds.
    if (b < INT64_MIN || b > UINT64_MAX) this.failWith(t, `${t.text} does not fit in 64 bits`);
    return b >= -MAX_SAFE && b <= MAX_SAFE ? Number(b) : b;
  }

  /** A comma-separated list up to `close` (consumed); `item` reads one element. */
  list(close: string, context: string, item: () => void): void {
    if (this.eat(close)) return;
    for (;;) {
      item();
      if (this.eat(close)) return;
      if (!this.eat(',')) this.fail(this.peek(), `',' or '${close}' ${context}`);
    }
  }
}
