/** Protobuf wire types. */
export const WireType = { VARINT: 0, I64: 1, LEN: 2, SGROUP: 3, EGROUP: 4, I32: 5 } as const;

/** A 64-bit integer: a number when it is a safe integer, a bigint otherwise (no precision loss). */
export type Int64 = number | bigint;

/** Raised for malformed protobuf bytes; `offset` is where in the buffer the problem was found. */
export class WireError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'WireError';
  }
}

const TWO_32 = 4294967296;
/** Unknown groups nested deeper than this are hostile input (skipping them recurses). */
const MAX_GROUP_DEPTH = 100;

/**
 * Reads protobuf wire primitives from a byte range with bounds checks on every step, so that
 * truncated or hostile input ends in a WireError rather than reading past the range.
 */
export class WireReader {
  pos: number;

  constructor(
    readonly buf: Uint8Array,
    start: number,
    /** Where the range ends; the decoder narrows it while it reads a nested message. */
    public end: number,
  ) {
    this.pos = start;
  }

  /** An unsigned varint that must fit in 53 bits (tags, lengths, int32 and enum values). */
  uint(): number {
    const buf = this.buf;
    let pos = this.pos;
    let b = pos < this.end ? buf[pos++]! : this.truncated();
    if (b < 0x80) {
      this.pos = pos;
      return b;
    }
    let value = b & 0x7f;
    let scale = 128;
    for (let i = 1; i < 10; i++) {
      b = pos < this.end ? buf[pos++]! : this.truncated();
      value += (b & 0x7f) * scale;
      if (b < 0x80) {
        this.pos = pos;
        if (value > Number.MAX_SAFE_INTEGER) return this.fail('varint too large', pos);
        return value;
      }
      scale *= 128;
    }
    return this.fail('varint longer than 10 bytes', pos);
  }

  /** A varint as a signed 64-bit integer (int64 fields; negative int32 values are sign-extended). */
  int64(): Int64 {
    const small = this.smallVarint();
    if (small >= 0) return small;
    this.varint64Parts();
    const lo = this.lo;
    const hi = this.hi;
    if (hi < 0x200000) return hi * TWO_32 + lo; // below 2^53
    if (hi >= 0xffe00000) return (hi - TWO_32) * TWO_32 + lo; // negative, above -2^53
    return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
  }

  /** A varint as an unsigned 64-bit integer. */
  uint64(): Int64 {
    const small = this.smallVarint();
    if (small >= 0) return small;
    this.varint64Parts();
    const lo = this.lo;
    const hi = this.hi;
    if (hi < 0x200000) return hi * TWO_32 + lo;
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** A varint as a signed 32-bit integer (int32 and enum fields: the low 32 bits). */
  int32(): number {
    const small = this.smallVarint();
    if (small >= 0) return small;
    this.varint64Parts();
    return this.lo | 0;
  }

  /**
   * Most values (dims, types, enums) are one or two varint bytes: read those without the 64-bit
   * path. Returns -1 (position unchanged) for anything longer or truncated.
   */
  private smallVarint(): number {
    const buf = this.buf;
    const pos = this.pos;
    if (pos < this.end) {
      const b0 = buf[pos]!;
      if (b0 < 0x80) {
        this.pos = pos + 1;
        return b0;
      }
      if (pos + 1 < this.end) {
        const b1 = buf[pos + 1]!;
        if (b1 < 0x80) {
          this.pos = pos + 2;
          return (b0 & 0x7f) | (b1 << 7);
        }
      }
    }
    return -1;
  }

  /** Low and high 32 bits of the last varint64Parts (fields, not an array: no allocation per value). */
  private lo = 0;
  private hi = 0;

  private varint64Parts(): void {
    const buf = this.buf;
    let pos = this.pos;
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      const b = pos < this.end ? buf[pos++]! : this.truncated();
      const bits = b & 0x7f;
      if (i < 4) lo += bits * 2 ** (7 * i);
      else if (i === 4) {
        lo += (bits & 0x0f) * 2 ** 28;
        hi += bits >>> 4;
      } else hi += bits * 2 ** (7 * i - 32);
      if (b < 0x80) {
        this.pos = pos;
        this.lo = lo >>> 0;
        this.hi = hi % TWO_32 >>> 0;
        return;
      }
    }
    this.fail('varint longer than 10 bytes', pos);
  }

  fixed32Float(): number {
    const p = this.need(4);
    return new DataView(this.buf.buffer, this.buf.byteOffset + p, 4).getFloat32(0, true);
  }

  fixed64Double(): number {
    const p = this.need(8);
    return new DataView(this.buf.buffer, this.buf.byteOffset + p, 8).getFloat64(0, true);
  }

  /** The start of a length-delimited field's payload; advances past it. */
  lengthDelimited(): { start: number; end: number } {
    const len = this.uint();
    const start = this.pos;
    if (len > this.end - start) {
      return this.fail(`length ${len} runs past the end of its message (${this.end - start} bytes left)`, start);
    }
    this.pos = start + len;
    return { start, end: start + len };
  }

  /**
   * Reads a length prefix and checks it; leaves `pos` at the payload's start and returns its end
   * (the allocation-free form of `lengthDelimited`: the caller moves `pos` past the payload).
   */
  payloadEnd(): number {
    const len = this.uint();
    const start = this.pos;
    if (len > this.end - start) {
      return this.fail(`length ${len} runs past the end of its message (${this.end - start} bytes left)`, start);
    }
    return start + len;
  }

  /** Skips one field's value of the given wire type (groups are skipped to their end tag). */
  skip(wireType: number, fieldNo: number, depth = 0): void {
    switch (wireType) {
      case WireType.VARINT:
        if (this.smallVarint() < 0) this.varint64Parts();
        return;
      case WireType.I64:
        this.need(8);
        return;
      case WireType.I32:
        this.need(4);
        return;
      case WireType.LEN:
        this.lengthDelimited();
        return;
      case WireType.SGROUP:
        if (depth >= MAX_GROUP_DEPTH) this.fail(`groups nested deeper than ${MAX_GROUP_DEPTH} levels`, this.pos);
        for (;;) {
          if (this.pos >= this.end) this.fail(`unterminated group ${fieldNo}`, this.pos);
          const tag = this.uint();
          const wt = tag & 7;
          if (wt === WireType.EGROUP) {
            if (tag >>> 3 !== fieldNo) this.fail(`mismatched end of group ${fieldNo}`, this.pos);
            return;
          }
          this.skip(wt, tag >>> 3, depth + 1);
        }
      default:
        this.fail(`invalid wire type ${wireType} for field ${fieldNo}`, this.pos);
    }
  }

  private need(n: number): number {
    const p = this.pos;
    if (this.end - p < n) this.truncated();
    this.pos = p + n;
    return p;
  }

  private truncated(): never {
    return this.fail('unexpected end of data', this.pos);
  }

  fail(message: string, offset: number): never {
    throw new WireError(message, offset);
  }
}
