// Protobuf string fields hold UTF-8, but files written by proto2 serializers (onnx.proto is one)
// may hold any bytes there. To write such a file back byte for byte, a byte that is not part of
// valid UTF-8 decodes to a lone low surrogate U+DC80..U+DCFF (as Python's "surrogateescape"
// does), and encodes back to that byte. Valid UTF-8 never decodes to a lone surrogate, so
// ordinary strings are unaffected.

// ignoreBOM: a string that starts with U+FEFF keeps it (by default TextDecoder drops it).
const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8 = new TextEncoder();

const ESCAPE_BASE = 0xdc00;

const isEscape = (c: number) => c >= 0xdc80 && c <= 0xdcff;
const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;

/** The length of the valid UTF-8 sequence starting at `i` (1 to 4), or 0 when it is not one. */
function sequenceLength(b: Uint8Array, i: number, end: number): number {
  const c = b[i]!;
  const cont = (k: number) => i + k < end && (b[i + k]! & 0xc0) === 0x80;
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    const d = b[i + 1] ?? 0;
    // No overlong forms (E0 80..9F) and no surrogates (ED A0..BF).
    if ((c === 0xe0 && d < 0xa0) || (c === 0xed && d > 0x9f)) return 0;
    return cont(1) && cont(2) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const d = b[i + 1] ?? 0;
    if ((c === 0xf0 && d < 0x90) || (c === 0xf4 && d > 0x8f)) return 0;
    return cont(1) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

/** Decodes UTF-8; bytes that are not valid UTF-8 become U+DC80..U+DCFF. */
export function decodeUtf8Lossless(bytes: Uint8Array): string {
  try {
    return strict.decode(bytes);
  } catch {
    let out = '';
    let i = 0;
    while (i < bytes.length) {
      const n = sequenceLength(bytes, i, bytes.length);
      if (n === 0) {
        out += String.fromCharCode(ESCAPE_BASE + bytes[i]!);
        i++;
      } else {
        out += strict.decode(bytes.subarray(i, i + n));
        i += n;
      }
    }
    return out;
  }
}

/** Encodes a string holding escaped bytes: each escape as its byte, the rest as UTF-8. */
export function encodeUtf8Lossless(s: string): Uint8Array {
  const parts: number[] = [];
  let from = 0;
  const flush = (to: number) => {
    if (to > from) for (const b of utf8.encode(s.slice(from, to))) parts.push(b);
  };
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isHigh(c) && i + 1 < s.length && s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) <= 0xdfff) {
      i++; // a surrogate pair: ordinary text
      continue;
    }
    if (isEscape(c)) {
      flush(i);
      parts.push(c - ESCAPE_BASE);
      from = i + 1;
    }
  }
  flush(s.length);
  return Uint8Array.from(parts);
}
