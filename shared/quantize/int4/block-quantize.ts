// 4-bit block quantization of a MatMul weight as onnxruntime's MatMulNBits reads it
// (com.microsoft, see its contrib operator docs): the K x N weight is stored transposed, one
// row per output column n, cut along K into blocks of `blockSize`, each block with its own
// scale (and zero point); dequantized w = (q - zero_point) * scale. Codes are packed two per
// byte, the first in the low nibble; the last block is padded to full size with its zero point
// (so padding dequantizes to 0), which is how onnxruntime expects a K that blocks do not divide.
//
// Scales follow onnxruntime's own quantizer (MLAS blockwise quantization): symmetric blocks map
// the value of largest magnitude to -8 (scale = that value / -8, zero point 8, the default when
// no zero points are given); asymmetric blocks widen [min, max] to include 0, scale = range / 15,
// zero point = round(-min / scale).

/** Block quantized weights, in MatMulNBits' input layouts. */
export interface Int4Blocks {
  /** Blocks per column: ceil(K / blockSize). */
  blocks: number;
  /** Input B: N x blocks x blockSize/2 bytes. */
  packed: Uint8Array;
  /** Input scales: N x blocks. */
  scales: Float32Array;
  /** Input zero_points, packed like B: N x ceil(blocks / 2) bytes; undefined when symmetric (zero point 8). */
  zeroPoints?: Uint8Array;
}

const roundHalfAway = (x: number): number => Math.sign(x) * Math.round(Math.abs(x));
const clamp4 = (q: number): number => Math.min(15, Math.max(0, q));

/** Quantizes a row-major K x N float32 weight into 4-bit blocks along K. */
export function quantizeInt4Blocks(weight: Float32Array, k: number, n: number, blockSize: number, symmetric: boolean): Int4Blocks {
  if (weight.length !== k * n) throw new RangeError(`weight of ${weight.length} values is not ${k} x ${n}`);
  const blocks = Math.ceil(k / blockSize);
  const blob = blockSize / 2;
  const packed = new Uint8Array(n * blocks * blob);
  const scales = new Float32Array(n * blocks);
  const zpBytes = Math.ceil(blocks / 2);
  const zeroPoints = symmetric ? undefined : new Uint8Array(n * zpBytes);
  for (let col = 0; col < n; col++) {
    for (let b = 0; b < blocks; b++) {
      const start = b * blockSize;
      const end = Math.min(k, start + blockSize);
      let scale: number;
      let zp: number;
      if (symmetric) {
        let extreme = 0;
        for (let i = start; i < end; i++) {
          const v = weight[i * n + col]!;
          if (Math.abs(v) > Math.abs(extreme)) extreme = v;
        }
        scale = Math.fround(extreme / -8);
        zp = 8;
      } else {
        let lo = 0;
        let hi = 0;
        for (let i = start; i < end; i++) {
          const v = weight[i * n + col]!;
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
        scale = Math.fround((hi - lo) / 15);
        zp = scale === 0 ? 0 : clamp4(roundHalfAway(-lo / scale));
        zeroPoints![col * zpBytes + (b >> 1)]! |= zp << ((b & 1) * 4);
      }
      scales[col * blocks + b] = scale;
      const inverse = scale === 0 ? 0 : 1 / scale;
      const base = (col * blocks + b) * blob;
      for (let j = 0; j < blockSize; j++) {
        const i = start + j;
        const q = i < end ? clamp4(roundHalfAway(weight[i * n + col]! * inverse) + zp) : zp;
        packed[base + (j >> 1)]! |= q << ((j & 1) * 4);
      }
    }
  }
  return zeroPoints ? { blocks, packed, scales, zeroPoints } : { blocks, packed, scales };
}

/** The weight the blocks stand for (K x N, row-major), as MatMulNBits dequantizes it. */
export function dequantizeInt4Blocks(q: Int4Blocks, k: number, n: number, blockSize: number): Float32Array {
  const out = new Float32Array(k * n);
  const blob = blockSize / 2;
  const zpBytes = Math.ceil(q.blocks / 2);
  for (let col = 0; col < n; col++) {
    for (let i = 0; i < k; i++) {
      const b = Math.floor(i / blockSize);
      const j = i - b * blockSize;
      const code = (q.packed[(col * q.blocks + b) * blob + (j >> 1)]! >> ((j & 1) * 4)) & 15;
      const zp = q.zeroPoints ? (q.zeroPoints[col * zpBytes + (b >> 1)]! >> ((b & 1) * 4)) & 15 : 8;
      out[i * n + col] = (code - zp) * q.scales[col * q.blocks + b]!;
    }
  }
  return out;
}
