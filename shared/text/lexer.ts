// Tokens of ONNX's textual syntax (onnx/defs/parser.cc), with the line and column each starts at,
// so that parse errors can point at them. `#` starts a comment that runs to the end of the line.

/** What a token is; `punct` covers `< > ( ) [ ] { } , : = @ . ?` and `=>`. */
export type TokenKind = 'ident' | 'string' | 'int' | 'float' | 'punct' | 'eof';

export interface Token {
  kind: TokenKind;
  /** The identifier, the punctuation, the number as written, or the string's decoded value. */
  text: string;
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-16 code units (what editors count). */
  column: number;
  /** Offset in the source text. */
  offset: number;
}

/** A lexical error: where it is and what was expected there. */
export interface LexError {
  line: number;
  column: number;
  message: string;
}

const PUNCT = new Set(['<', '>', '(', ')', '[', ']', '{', '}', ',', ':', '=', '@', '.', '?']);

function isIdentStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

function isIdentPart(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\', "'": "'", '0': '\0' };

/** Splits `source` into tokens; the last one is `eof`. Throws a LexError object on a bad character or string. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const n = source.length;
  const fail = (at: number, message: string): never => {
    throw { line, column: at - lineStart + 1, message } satisfies LexError;
  };
  while (i < n) {
    const c = source.charCodeAt(i);
    if (c === 10) {
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (c === 32 || c === 9 || c === 13) {
      i++;
      continue;
    }
    if (c === 35) {
      while (i < n && source.charCodeAt(i) !== 10) i++;
      continue;
    }
    const start = i;
    const column = i - lineStart + 1;
    if (isIdentStart(c)) {
      while (i < n && isIdentPart(source.charCodeAt(i))) i++;
      tokens.push({ kind: 'ident', text: source.slice(start, i), line, column, offset: start });
      continue;
    }
    const next = i + 1 < n ? source.charCodeAt(i + 1) : 0;
    if (isDigit(c) || ((c === 45 || c === 43) && (isDigit(next) || next === 46)) || (c === 46 && isDigit(next))) {
      i++;
      let float = c === 46;
      while (i < n && isDigit(source.charCodeAt(i))) i++;
      if (i < n && source.charCodeAt(i) === 46) {
        float = true;
        i++;
        while (i < n && isDigit(source.charCodeAt(i))) i++;
      }
      const e = source.charCodeAt(i);
      if (e === 101 || e === 69) {
        let j = i + 1;
        const s = source.charCodeAt(j);
        if (s === 43 || s === 45) j++;
        if (isDigit(source.charCodeAt(j))) {
          float = true;
          i = j;
          while (i < n && isDigit(source.charCodeAt(i))) i++;
        }
      }
      tokens.push({ kind: float ? 'float' : 'int', text: source.slice(start, i), line, column, offset: start });
      continue;
    }
    if ((c === 45 || c === 43) && isIdentStart(next)) {
      // -inf / +inf: a signed identifier only makes sense as a number.
      i++;
      while (i < n && isIdentPart(source.charCodeAt(i))) i++;
      const word = source.slice(start, i);
      if (!/^[+-](inf|infinity|nan)$/i.test(word)) fail(start, `unexpected '${word}': expected a number`);
      tokens.push({ kind: 'float', text: word, line, column, offset: start });
      continue;
    }
    if (c === 34) {
      i++;
      let value = '';
      let from = i;
      for (;;) {
        if (i >= n) fail(start, 'unterminated string: expected a closing "');
        const d = source.charCodeAt(i);
        if (d === 34) break;
        if (d === 10) fail(start, 'unterminated string: expected a closing " before the end of the line');
        if (d === 92) {
          value += source.slice(from, i);
          const esc = source[i + 1] ?? '';
          if (esc === 'x' || esc === 'u') {
            const len = esc === 'x' ? 2 : 4;
            const hex = source.slice(i + 2, i + 2 + len);
            if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) fail(i, `bad escape '\\${esc}${hex}': expected ${len} hex digits`);
            // \xHH is one byte: below 0x80 that character; above, the lone surrogate U+DC80..U+DCFF
            // that encodeUtf8Lossless turns back into the byte (see proto/utf8-escape.ts).
            const code = parseInt(hex, 16);
            value += String.fromCharCode(esc === 'x' && code >= 0x80 ? 0xdc00 + code : code);
            i += 2 + len;
          } else if (Object.hasOwn(ESCAPES, esc)) {
            value += ESCAPES[esc];
            i += 2;
          } else {
            // onnx's parser takes the character after a backslash as it is.
            value += esc;
            i += 2;
          }
          from = i;
          continue;
        }
        i++;
      }
      value += source.slice(from, i);
      i++;
      tokens.push({ kind: 'string', text: value, line, column, offset: start });
      continue;
    }
    if (c === 61 && next === 62) {
      i += 2;
      tokens.push({ kind: 'punct', text: '=>', line, column, offset: start });
      continue;
    }
    const ch = source[i]!;
    if (PUNCT.has(ch)) {
      i++;
      tokens.push({ kind: 'punct', text: ch, line, column, offset: start });
      continue;
    }
    fail(start, `unexpected character '${ch}'`);
  }
  tokens.push({ kind: 'eof', text: '', line, column: i - lineStart + 1, offset: i });
  return tokens;
}
