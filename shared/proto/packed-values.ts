import { WireReader, type Int64 } from './wire-reader.js';
import type { ScalarKind } from './schema.js';

export type NumericKind = Exclude<ScalarKind, 'string' | 'bytes'>;

/**
 * A repeated numeric field kept as the packed bytes it was read from, decoded only on request,
 * so that a tensor with millions of `float_data` entries costs nothing until someone looks.
 */
export class PackedValues {
  private constructor(
    readonly kind: NumericKind,
    /** Packed payloads as read (views into the model's buffer), or undefined when built from values. */
    readonly chunks: Uint8Array[],
    /** Values that arrived unpacked (one tag each) or were given directly. */
    readonly loose: Int64[],
  ) {}

  /** Values from an array (for building models). */
  static of(kind: NumericKind, values: readonly Int64[]): PackedValues {
    return new PackedValues(kind, [], [...values]);
  }

  /** An empty list, to be filled while decoding. */
  static empty(kind: NumericKind): PackedValues {
    return new PackedValues(kind, [], []);
  }

  /** Whether all values are held as packed bytes (re-encoding then copies them as they are). */
  get isPackedOnly(): boolean {
    return this.loose.length === 0;
  }

  /** Number of values (counting varints in packed chunks needs a scan; fixed-width kinds do not). */
  get length(): number {
    let n = this.loose.length;
    for (const c of this.chunks) n += countPacked(this.kind, c);
    return n;
  }

  /** All values decoded: int64/uint64 as number or bigint (exact), the rest as numbers. */
  values(): Int64[] {
    const out: Int64[] = [];
    for (const c of this.chunks) readPacked(this.kind, c, out);
    for (const v of this.loose) out.push(v);
    return out;
  }
}

/** Reads a packed run of `kind` values, appending to `out`. */
export function readPacked(kind: NumericKind, bytes: Uint8Array, out: Int64[]): void {
  const r = new WireReader(bytes, 0, bytes.length);
  while (r.pos < r.end) out.push(readScalar(r, kind));
}

function countPacked(kind: NumericKind, bytes: Uint8Array): number {
  if (kind === 'float') return bytes.length / 4;
  if (kind === 'double') return bytes.length / 8;
  let n = 0;
  for (let i = 0; i < bytes.length; i++) if (bytes[i]! < 0x80) n++;
  return n;
}

/** Reads one numeric value of `kind`. */
export function readScalar(r: WireReader, kind: NumericKind): Int64 {
  switch (kind) {
    case 'float':
      return r.fixed32Float();
    case 'double':
      return r.fixed64Double();
    case 'int64':
      return r.int64();
    case 'uint64':
      return r.uint64();
    case 'int32':
    case 'enum':
      return r.int32();
  }
}
