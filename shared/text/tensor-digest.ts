import { typedDataField } from '../onnx/element-types.js';
import type { TensorProto } from '../onnx/proto-types.js';
import type { PackedValues } from '../proto/packed-values.js';

// A short digest of a tensor (type, dims and data) that names a large initializer in the text
// without its values. It identifies a tensor among the original model's, it is not a checksum:
// data past the first 1 MiB is sampled (1 MiB more, spread evenly), so printing a model with
// gigabytes of weights stays fast.

const FULL = 1 << 20;
const SAMPLE = 1 << 20;
const CHUNK = 4096;

const scratch = new Uint8Array(1 << 16);
const words = new Int32Array(scratch.buffer);

class Hasher {
  // Two 32-bit lanes (FNV-1a-like, word at a time) give 64 bits.
  a = 0x811c9dc5;
  b = 0x01000193 ^ 0x5bd1e995;

  /** Bytes from..to, four at a time through an aligned scratch copy (the data may sit at any offset). */
  bytes(buf: Uint8Array, from = 0, to = buf.length): void {
    let a = this.a;
    let b = this.b;
    for (let at = from; at < to; at += scratch.length) {
      const n = Math.min(scratch.length, to - at);
      scratch.set(buf.subarray(at, at + n));
      const w = n >> 2;
      for (let i = 0; i < w; i++) {
        const x = words[i]!;
        a = Math.imul(a ^ x, 0x01000193);
        b = Math.imul(b ^ x, 0x5bd1e995) ^ (b >>> 13);
      }
      for (let i = w << 2; i < n; i++) {
        a = Math.imul(a ^ scratch[i]!, 0x01000193);
        b = Math.imul(b ^ scratch[i]!, 0x5bd1e995) ^ (b >>> 13);
      }
    }
    this.a = a;
    this.b = b;
  }

  text(s: string): void {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      this.a = Math.imul(this.a ^ c, 0x01000193);
      this.b = Math.imul(this.b ^ c, 0x5bd1e995) ^ (this.b >>> 13);
    }
  }

  data(buf: Uint8Array): void {
    this.text(`#${buf.length}:`);
    if (buf.length <= FULL + SAMPLE) {
      this.bytes(buf);
      return;
    }
    this.bytes(buf, 0, FULL);
    const rest = buf.length - FULL;
    const chunks = SAMPLE / CHUNK;
    for (let k = 0; k < chunks; k++) {
      const at = FULL + Math.floor((rest - CHUNK) * (k / (chunks - 1)));
      this.bytes(buf, at, at + CHUNK);
    }
  }

  hex(): string {
    return (this.a >>> 0).toString(16).padStart(8, '0') + (this.b >>> 0).toString(16).padStart(8, '0');
  }
}

const cache = new WeakMap<TensorProto, string>();

/** 16 hex digits naming the tensor's type, dims and data (cached per TensorProto object). */
export function tensorDigest(t: TensorProto): string {
  const hit = cache.get(t);
  if (hit !== undefined) return hit;
  const h = new Hasher();
  h.text(`${t.dataType ?? 0}[${(t.dims ?? []).join(',')}]`);
  if (t.rawData !== undefined) h.data(t.rawData);
  else if (t.stringData) for (const s of t.stringData) h.data(s);
  else {
    const field = typedDataField(t.dataType ?? 0);
    const stored = field ? (t[field] as PackedValues | undefined) : undefined;
    if (stored) {
      for (const c of stored.chunks) h.data(c);
      h.text(stored.loose.join(','));
    }
  }
  for (const e of t.externalData ?? []) h.text(`${e.key}=${e.value};`);
  const d = h.hex();
  cache.set(t, d);
  return d;
}
