// Symbolic dimensions: a size, a symbolic expression over dim_param names, or unknown.
//
// Expressions are kept as canonical strings (what a TensorShapeProto's dim_param holds and what the
// graph view prints), and turned into integer polynomials over atoms only for arithmetic:
//   atom:  a name ('batch'), or an opaque floor division 'floor(E/c)'
//   term:  coefficient × product of atoms;  polynomial: sum of terms.
// Printing is canonical (terms sorted, coefficients after the atoms: 'seq*2+1'), so two dims are
// equal exactly when their printed forms are. Names that do not parse as an expression (spaces,
// leading digits...) are single atoms, so any dim_param from a file round-trips unchanged.

/** One dimension: a size, a symbolic expression ('batch', 'seq*2', 'seq+1'), or null (unknown). */
export type Dim = number | string | null;

interface Term {
  readonly atoms: readonly string[];
  readonly coef: number;
}
type Poly = readonly Term[];

const IDENT = /^[A-Za-z_][A-Za-z0-9_.]*$/;

// ---- polynomials ------------------------------------------------------------------------------

function keyOf(atoms: readonly string[]): string {
  return atoms.join('*');
}

function compareTerms(a: Term, b: Term): number {
  if (a.atoms.length !== b.atoms.length) {
    if (a.atoms.length === 0) return 1;
    if (b.atoms.length === 0) return -1;
    return b.atoms.length - a.atoms.length;
  }
  const ka = keyOf(a.atoms);
  const kb = keyOf(b.atoms);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function normalize(terms: Iterable<Term>): Poly {
  const byKey = new Map<string, Term>();
  for (const t of terms) {
    const k = keyOf(t.atoms);
    const prev = byKey.get(k);
    byKey.set(k, prev ? { atoms: prev.atoms, coef: prev.coef + t.coef } : t);
  }
  return [...byKey.values()].filter((t) => t.coef !== 0).sort(compareTerms);
}

function constPoly(n: number): Poly {
  return n === 0 ? [] : [{ atoms: [], coef: n }];
}

function polyAdd(a: Poly, b: Poly, sign = 1): Poly {
  return normalize([...a, ...b.map((t) => ({ atoms: t.atoms, coef: sign * t.coef }))]);
}

function polyMul(a: Poly, b: Poly): Poly {
  const out: Term[] = [];
  for (const x of a) for (const y of b) out.push({ atoms: [...x.atoms, ...y.atoms].sort(), coef: x.coef * y.coef });
  return normalize(out);
}

function constantOf(p: Poly): number | undefined {
  if (p.length === 0) return 0;
  return p.length === 1 && p[0]!.atoms.length === 0 ? p[0]!.coef : undefined;
}

function mod(a: number, c: number): number {
  return ((a % c) + c) % c;
}

/** floor(p / c) for a positive integer c, with the divisible part pulled out of the floor. */
function polyFloorDiv(p: Poly, c: number): Poly {
  if (c === 1) return p;
  const divisible: Term[] = [];
  const rest: Term[] = [];
  let k = 0;
  for (const t of p) {
    if (t.atoms.length === 0) k = t.coef;
    else if (t.coef % c === 0) divisible.push({ atoms: t.atoms, coef: t.coef / c });
    else rest.push(t);
  }
  const whole = constPoly(Math.floor(k / c));
  if (rest.length === 0) return polyAdd(divisible, whole);
  // Nested divisions fold: floor((floor(E/c1) + k)/c) = floor((E + k·c1)/(c1·c)) for integer E
  // (so ceil(ceil(h/2)/2) is ceil(h/4), as strided layers stack up).
  const only = rest.length === 1 && rest[0]!.coef === 1 && rest[0]!.atoms.length === 1 ? floorParts(rest[0]!.atoms[0]!) : undefined;
  if (only) return polyAdd(divisible, polyFloorDiv(polyAdd(only.inner, constPoly(k * only.c)), only.c * c));
  // floor((R + k)/c) = floor((R + k mod c)/c) + floor(k/c), so the atom's constant lies in [0, c).
  const inner = normalize([...rest, ...constPoly(mod(k, c))]);
  const atom = `floor(${printNumerator(inner)}/${c})`;
  return polyAdd(polyAdd(divisible, whole), [{ atoms: [atom], coef: 1 }]);
}

/** The numerator and divisor of a 'floor(E/c)' atom. */
function floorParts(atom: string): { inner: Poly; c: number } | undefined {
  if (!atom.startsWith('floor(') || !atom.endsWith(')')) return undefined;
  const body = atom.slice(6, -1);
  let depth = 0;
  let slash = -1;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === '/' && depth === 0) slash = i;
  }
  const c = slash < 0 ? NaN : Number(body.slice(slash + 1));
  if (!Number.isInteger(c) || c <= 0) return undefined;
  return { inner: polyOf(body.slice(0, slash)), c };
}

/** Exact p / q when q is a constant or a single term dividing every term of p, or p is a multiple of q. */
function polyDivExact(p: Poly, q: Poly): Poly | undefined {
  if (q.length === 0) return undefined;
  if (q.length === 1) {
    const d = q[0]!;
    const out: Term[] = [];
    for (const t of p) {
      if (t.coef % d.coef !== 0) return undefined;
      const atoms = [...t.atoms];
      for (const a of d.atoms) {
        const i = atoms.indexOf(a);
        if (i < 0) return undefined;
        atoms.splice(i, 1);
      }
      out.push({ atoms, coef: t.coef / d.coef });
    }
    return normalize(out);
  }
  // A constant multiple of a sum: (seq*4+4) / (seq+1) = 4.
  if (p.length !== q.length) return undefined;
  const ratio = p[0]!.coef / q[0]!.coef;
  if (!Number.isInteger(ratio)) return undefined;
  for (let i = 0; i < p.length; i++) {
    if (keyOf(p[i]!.atoms) !== keyOf(q[i]!.atoms) || p[i]!.coef !== ratio * q[i]!.coef) return undefined;
  }
  return constPoly(ratio);
}

// ---- printing ---------------------------------------------------------------------------------

function printAtom(a: string, alone: boolean): string {
  return alone || IDENT.test(a) || a.startsWith('floor(') ? a : `(${a})`;
}

function printTerm(t: Term, alone: boolean): string {
  const c = Math.abs(t.coef);
  if (t.atoms.length === 0) return String(c);
  const body = t.atoms.map((a) => printAtom(a, alone && t.atoms.length === 1 && c === 1)).join('*');
  return c === 1 ? body : `${body}*${c}`;
}

function printPoly(p: Poly): string {
  let s = '';
  p.forEach((t, i) => {
    const alone = p.length === 1;
    if (i === 0) s = (t.coef < 0 ? '-' : '') + printTerm(t, alone);
    else s += (t.coef < 0 ? '-' : '+') + printTerm(t, false);
  });
  return s;
}

function printNumerator(p: Poly): string {
  const s = printPoly(p);
  return p.length > 1 || (p.length === 1 && p[0]!.coef < 0) ? `(${s})` : s;
}

function toDim(p: Poly): Dim {
  const c = constantOf(p);
  return c !== undefined ? c : printPoly(p);
}

// ---- parsing ----------------------------------------------------------------------------------

const cache = new Map<string, Poly>();
const CACHE_LIMIT = 50_000;

class Parser {
  private pos = 0;
  constructor(private readonly s: string) {}

  parse(): Poly | undefined {
    const p = this.expr();
    return p && this.pos === this.s.length ? p : undefined;
  }

  private peek(): string {
    return this.s[this.pos] ?? '';
  }

  private expr(): Poly | undefined {
    let neg = false;
    if (this.peek() === '-') {
      neg = true;
      this.pos++;
    }
    let acc = this.term();
    if (!acc) return undefined;
    if (neg) acc = polyAdd([], acc, -1);
    while (this.peek() === '+' || this.peek() === '-') {
      const sign = this.s[this.pos++] === '+' ? 1 : -1;
      const t = this.term();
      if (!t) return undefined;
      acc = polyAdd(acc, t, sign);
    }
    return acc;
  }

  private term(): Poly | undefined {
    let acc = this.factor();
    while (acc && (this.peek() === '*' || this.peek() === '/')) {
      const op = this.s[this.pos++];
      const f = this.factor();
      if (!f) return undefined;
      if (op === '*') acc = polyMul(acc, f);
      else {
        const c = constantOf(f);
        if (c === undefined || c <= 0) return undefined;
        acc = polyFloorDiv(acc, c);
      }
    }
    return acc;
  }

  private factor(): Poly | undefined {
    const rest = this.s.slice(this.pos);
    const num = /^\d+/.exec(rest);
    if (num) {
      this.pos += num[0].length;
      return constPoly(Number(num[0]));
    }
    if (rest.startsWith('floor(')) {
      // The division inside is already a floor division in this grammar.
      this.pos += 5;
    }
    if (this.peek() === '(') {
      this.pos++;
      const e = this.expr();
      if (!e || this.peek() !== ')') return undefined;
      this.pos++;
      return e;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(rest);
    if (!id) return undefined;
    this.pos += id[0].length;
    return [{ atoms: [id[0]], coef: 1 }];
  }
}

function polyOf(d: number | string): Poly {
  if (typeof d === 'number') return constPoly(d);
  let p = cache.get(d);
  if (!p) {
    p = (/[-+*/()]/.test(d) ? new Parser(d).parse() : undefined) ?? (/^\d+$/.test(d) ? constPoly(Number(d)) : [{ atoms: [d], coef: 1 }]);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(d, p);
  }
  return p;
}

// ---- public API -------------------------------------------------------------------------------

/** Whether a dim is a known size. */
export function isStaticDim(d: Dim): d is number {
  return typeof d === 'number';
}

/** Whether every dim of a shape is a known size. */
export function isStaticShape(shape: readonly Dim[]): shape is number[] {
  return shape.every((d) => typeof d === 'number');
}

/** The canonical form of a dim (a symbolic expression that folds to a number becomes that number). */
export function canonicalDim(d: Dim): Dim {
  return typeof d === 'string' ? toDim(polyOf(d)) : d;
}

/** Whether two dims are the same size for every value of their symbols; unknown equals nothing. */
export function dimEquals(a: Dim, b: Dim): boolean {
  if (a === null || b === null) return false;
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return false;
  return canonicalDim(a) === canonicalDim(b);
}

function binary(a: Dim, b: Dim, num: (x: number, y: number) => number, poly: (x: Poly, y: Poly) => Poly): Dim {
  if (a === null || b === null) return null;
  if (typeof a === 'number' && typeof b === 'number') return num(a, b);
  return toDim(poly(polyOf(a), polyOf(b)));
}

/** a + b. */
export function dimAdd(a: Dim, b: Dim): Dim {
  return binary(a, b, (x, y) => x + y, (x, y) => polyAdd(x, y));
}

/** a - b. */
export function dimSub(a: Dim, b: Dim): Dim {
  return binary(a, b, (x, y) => x - y, (x, y) => polyAdd(x, y, -1));
}

/** a × b. */
export function dimMul(a: Dim, b: Dim): Dim {
  if (a === 0 || b === 0) return 0;
  return binary(a, b, (x, y) => x * y, polyMul);
}

/** The product of dims (an element count); 1 for an empty list. */
export function dimProduct(dims: readonly Dim[]): Dim {
  let p: Dim = 1;
  for (const d of dims) p = dimMul(p, d);
  return p;
}

/** floor(a / c) for a positive integer c (symbolic: the divisible part folds, the rest stays in 'floor(...)'). */
export function dimFloorDiv(a: Dim, c: number): Dim {
  if (a === null || !Number.isInteger(c) || c <= 0) return null;
  if (typeof a === 'number') return Math.floor(a / c);
  return toDim(polyFloorDiv(polyOf(a), c));
}

/** ceil(a / c) for a positive integer c. */
export function dimCeilDiv(a: Dim, c: number): Dim {
  if (a === null || !Number.isInteger(c) || c <= 0) return null;
  if (typeof a === 'number') return Math.ceil(a / c);
  return dimFloorDiv(dimAdd(a, c - 1), c);
}

/** a / b when it divides exactly (numbers, or expressions such as batch*seq*768 / (batch*seq*12)); else null. */
export function dimDivExact(a: Dim, b: Dim): Dim {
  if (a === null || b === null || b === 0) return null;
  if (typeof a === 'number' && typeof b === 'number') return a % b === 0 ? a / b : null;
  const q = polyDivExact(polyOf(a), polyOf(b));
  return q ? toDim(q) : null;
}

/**
 * Numpy broadcasting of two dims: 1 and d give d, equal dims give that dim, a size other than 1
 * against a symbol gives the size (a valid model must have the symbol be 1 or equal); anything
 * else is unknown.
 */
export function broadcastDim(a: Dim, b: Dim): Dim {
  if (a === 1) return b;
  if (b === 1) return a;
  if (a === null || b === null) return typeof a === 'number' ? a : typeof b === 'number' ? b : null;
  if (dimEquals(a, b)) return a;
  if (typeof a === 'number' && typeof b === 'string') return a;
  if (typeof b === 'number' && typeof a === 'string') return b;
  return null;
}

/** Numpy broadcasting of shapes (right-aligned). */
export function broadcastShapes(shapes: readonly (readonly Dim[])[]): Dim[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let d: Dim = 1;
    let first = true;
    for (const s of shapes) {
      const k = i - (rank - s.length);
      if (k < 0) continue;
      d = first ? s[k]! : broadcastDim(d, s[k]!);
      first = false;
    }
    out.push(d);
  }
  return out;
}

/** Two dims merged where they describe the same value: equal → it, one unknown → the other, else unknown. */
export function unifyDim(a: Dim, b: Dim): Dim {
  if (a === null || b === null) return null;
  return dimEquals(a, b) ? a : null;
}

/** A dim as text: the size, the expression, or '?'. */
export function dimToString(d: Dim): string {
  return d === null ? '?' : String(d);
}
