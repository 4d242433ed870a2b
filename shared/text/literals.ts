import { decodeUtf8Lossless } from '../proto/utf8-escape.js';

// How names, strings and numbers are written in the text, and read back.

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Words that start a type. A value with one of these names is quoted (onnx.printer does not, and
 * its text then reads as a type), so that an untyped value list stays unambiguous.
 */
export const TYPE_WORDS = new Set(['seq', 'map', 'optional', 'sparse_tensor']);

/** Whether `s` can be written without quotes. */
export function isIdentifier(s: string): boolean {
  return IDENT.test(s);
}

// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /["\\\x00-\x1f\x7f\u2028\u2029\udc80-\udcff]/;

/** A string literal: `"..."` with `"`, `\`, control characters and non-UTF-8 bytes escaped. */
export function quote(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return `"${s}"`;
  let out = '"';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string | undefined;
    if (c === 34) esc = '\\"';
    else if (c === 92) esc = '\\\\';
    else if (c === 10) esc = '\\n';
    else if (c === 13) esc = '\\r';
    else if (c === 9) esc = '\\t';
    else if (c < 0x20 || c === 0x7f) esc = `\\x${c.toString(16).padStart(2, '0')}`;
    // A lone U+DC80..U+DCFF is a byte that was not valid UTF-8 (see utf8-escape.ts).
    else if (c >= 0xdc80 && c <= 0xdcff && !(i > 0 && s.charCodeAt(i - 1) >= 0xd800 && s.charCodeAt(i - 1) <= 0xdbff)) esc = `\\x${(c - 0xdc00).toString(16)}`;
    else if (c === 0x2028 || c === 0x2029) esc = `\\u${c.toString(16)}`;
    if (esc === undefined) continue;
    out += s.slice(from, i) + esc;
    from = i + 1;
  }
  return out + s.slice(from) + '"';
}

/** A bytes value (a STRING attribute, a string tensor element) as a literal. */
export function quoteBytes(b: Uint8Array): string {
  return quote(decodeUtf8Lossless(b));
}

/** Longer than any word that starts a type or names an element type (`float8e4m3fnuz`, `sparse_tensor`). */
const MAX_TYPE_WORD = 16;

/** A name: bare when it is an identifier (and not a type word), else quoted. */
export function nameText(s: string, elemTypeWords: ReadonlySet<string>): string {
  // Type words are short: a longer identifier needs no set lookups.
  return IDENT.test(s) && (s.length > MAX_TYPE_WORD || (!TYPE_WORDS.has(s) && !elemTypeWords.has(s))) ? s : quote(s);
}

function special(x: number): string | undefined {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (Object.is(x, -0)) return '-0';
  return undefined;
}

const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

/** The shortest decimal that reads back as the same float32 (what onnx.printer writes). */
export function float32Text(x: number): string {
  const s = special(x);
  if (s !== undefined) return s;
  const ax = Math.abs(x);
  let e10 = Math.floor(Math.log10(ax));
  if (e10 < -14 || e10 > 21) return float32TextByStrings(x);
  if (POW10e(e10 + 1) <= ax) e10++;
  else if (POW10e(e10) > ax) e10--;
  // For p = 1, 2, ... digits: the p-digit decimal nearest to x is m·10^k. m·10^k with |k| <= 22
  // is one correctly rounded operation on exact numbers, so it is the double that parsing the
  // decimal gives: when it rounds to x as a float32, the decimal reads back, and String() of that
  // double writes those same digits. Arithmetic only; strings for the result alone.
  for (let p = 1; p <= 9; p++) {
    const k = e10 - p + 1;
    const q = k >= 0 ? ax / POW10[k]! : ax * POW10[-k]!;
    const m = Math.round(q);
    const at = (mm: number) => (k >= 0 ? mm * POW10[k]! : mm / POW10[-k]!);
    let c = at(m);
    if (Math.fround(c) !== ax) {
      // The quotient is rounded, so the nearest m may be off by one at a tie: try the other side.
      c = at(q > m ? m + 1 : m - 1);
      if (Math.fround(c) !== ax) continue;
    }
    return String(x < 0 ? -c : c);
  }
  return float32TextByStrings(x);
}

function POW10e(e: number): number {
  return e >= 0 ? POW10[e]! : 1 / POW10[-e]!;
}

// The same by rounding decimal strings, for magnitudes where 10^k is not exact in a double.
function float32TextByStrings(x: number): string {
  // Integers and short decimals are exact at once.
  const plain = String(x);
  if (plain.length <= 8) return plain;
  // Nine significant digits always read back; shorter ones are tried by rounding those digits.
  const e9 = x.toExponential(8);
  const neg = e9.charCodeAt(0) === 45 ? 1 : 0;
  const digits = e9[neg]! + e9.slice(neg + 2, neg + 10);
  const exp = Number(e9.slice(neg + 11));
  let best = e9;
  let length = 9;
  for (let p = 8; p >= 1; p--) {
    // The nine digits are rounded already, so the nearest p digits may lie either side of them.
    const up = digits.charCodeAt(p) >= 53;
    let c = roundDigits(digits, p, exp, neg === 1, up);
    if (Math.fround(Number(c)) !== x) {
      c = roundDigits(digits, p, exp, neg === 1, !up);
      if (Math.fround(Number(c)) !== x) break;
    }
    best = c;
    length = p;
  }
  // Of two decimals of that length that read back, onnx.printer (C++ to_chars) writes the one
  // nearest the value, which is the correctly rounded one.
  const nearest = x.toPrecision(length);
  return String(Number(Math.fround(Number(nearest)) === x ? nearest : best));
}

// `digits` (nine, no point) cut to `p`, rounded up or not, as a literal in exponent form.
function roundDigits(digits: string, p: number, exp: number, negative: boolean, up: boolean): string {
  let head = digits.slice(0, p);
  if (up) {
    let i = p - 1;
    while (i >= 0 && head[i] === '9') i--;
    if (i < 0) {
      head = '1' + '0'.repeat(p - 1);
      exp++;
    } else head = head.slice(0, i) + String.fromCharCode(head.charCodeAt(i) + 1) + '0'.repeat(p - 1 - i);
  }
  return `${negative ? '-' : ''}${head[0]}.${head.slice(1) || '0'}e${exp}`;
}

/** The shortest decimal that reads back as the same double. */
export function float64Text(x: number): string {
  return special(x) ?? String(x);
}

/** Reads a number literal as the lexer gave it (also inf, nan, -inf). */
export function parseFloatLiteral(text: string): number {
  const t = text.toLowerCase();
  if (t === 'inf' || t === '+inf' || t === 'infinity' || t === '+infinity') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  if (t === 'nan' || t === '+nan' || t === '-nan') return NaN;
  return Number(text);
}
