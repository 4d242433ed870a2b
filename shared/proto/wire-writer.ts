import type { Int64 } from './wire-reader.js';
import { encodeUtf8Lossless } from './utf8-escape.js';

const CHUNK = 1 << 20;
// Small messages (one attribute, one node) are encoded by the thousand during optimization: a
// fresh megabyte for each cost more than the encoding itself. Chunks start small and double.
const FIRST_CHUNK = 256;
/** Byte fields at least this long are emitted as views of their source, never copied. */
const ZERO_COPY_MIN = 1 << 14;

const utf8 = new TextEncoder();

/** Bytes that a UTF-8 encoding of `s` takes (escaped bytes one each, see utf8-escape.ts). */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 2; // 4 bytes for 2 UTF-16 units
        i++;
      } else n += 2;
    } else if (c < 0xdc80 || c > 0xdcff) n += 2; // a lone U+DC80..U+DCFF is one escaped byte (utf8-escape.ts)
  }
  return n;
}

/** Bytes a varint of a non-negative safe integer takes. */
export function uintSize(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

/** Bytes a varint of a signed 64-bit value takes (negative values take 10). */
export function int64Size(v: Int64): number {
  if (typeof v === 'number') return v < 0 ? 10 : uintSize(v);
  if (v < 0n) return 10;
  let n = 1;
  while (v >= 128n) {
    v >>= 7n;
    n++;
  }
  return n;
}

/**
 * Appends protobuf wire primitives into a list of segments. Small writes go to a scratch chunk;
 * large byte fields are appended as the caller's own view, so writing a model never copies its
 * weights.
 */
export class WireWriter {
  private readonly segments: Uint8Array[] = [];
  private chunk = new Uint8Array(FIRST_CHUNK);
  private view = new DataView(this.chunk.buffer);
  private pos = 0;
  private flushedFrom = 0;

  private ensure(n: number): void {
    if (this.chunk.length - this.pos >= n) return;
    this.flush();
    const size = Math.max(Math.min(CHUNK, this.chunk.length * 2), n);
    this.chunk = new Uint8Array(size);
    this.view = new DataView(this.chunk.buffer);
    this.pos = 0;
    this.flushedFrom = 0;
  }

  private flush(): void {
    if (this.pos > this.flushedFrom) this.segments.push(this.chunk.subarray(this.flushedFrom, this.pos));
    this.flushedFrom = this.pos;
  }

  uint(v: number): void {
    this.ensure(10);
    const c = this.chunk;
    while (v >= 128) {
      c[this.pos++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    c[this.pos++] = v;
  }

  tag(fieldNo: number, wireType: number): void {
    this.uint(fieldNo * 8 + wireType);
  }

  int64(v: Int64): void {
    if (typeof v === 'number' && v >= 0) return this.uint(v);
    let big = BigInt.asUintN(64, BigInt(v));
    this.ensure(10);
    const c = this.chunk;
    while (big >= 128n) {
      c[this.pos++] = Number(big & 0x7fn) | 0x80;
      big >>= 7n;
    }
    c[this.pos++] = Number(big);
  }

  /** int32 and enum values: negative ones are sign-extended to 10 bytes, as protobuf does. */
  int32(v: number): void {
    if (v >= 0) this.uint(v);
    else this.int64(v);
  }

  float(v: number): void {
    this.ensure(4);
    this.view.setFloat32(this.pos, v, true);
    this.pos += 4;
  }

  double(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  /** Raw bytes with no length prefix. */
  raw(bytes: Uint8Array): void {
    if (bytes.length >= ZERO_COPY_MIN) {
      this.flush();
      this.segments.push(bytes);
      return;
    }
    this.ensure(bytes.length);
    this.chunk.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  bytes(bytes: Uint8Array): void {
    this.uint(bytes.length);
    this.raw(bytes);
  }

  string(s: string, byteLength: number): void {
    this.uint(byteLength);
    this.ensure(byteLength);
    const { read, written } = utf8.encodeInto(s, this.chunk.subarray(this.pos));
    if (read === s.length && written === byteLength) this.pos += written;
    else this.raw(encodeUtf8Lossless(s)); // escaped bytes: TextEncoder writes U+FFFD for them
  }

  /** The written bytes as a list of segments, in order. */
  finish(): Uint8Array[] {
    this.flush();
    return this.segments;
  }
}

/** Joins segments into one buffer (for small models and tests). */
export function concatSegments(segments: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const s of segments) total += s.length;
  const out = new Uint8Array(total);
  let p = 0;
  for (const s of segments) {
    out.set(s, p);
    p += s.length;
  }
  return out;
}
