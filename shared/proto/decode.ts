import { PackedValues, readScalar, type NumericKind } from './packed-values.js';
import { wireTypeOf, type FieldDef, type MessageDef } from './schema.js';
import { WireError, WireReader, WireType } from './wire-reader.js';

/** Fields of a message this schema does not know, as their raw bytes (tag included), in order. */
export const UNKNOWN_FIELDS: unique symbol = Symbol('unknownFields');
/** Names of repeated scalar fields whose packing on the wire differs from the schema's default. */
export const PACKING: unique symbol = Symbol('packing');

/** A decoded message: properties named by the schema, plus what is needed to write it back. */
export interface DecodedMessage {
  [key: string]: unknown;
  [UNKNOWN_FIELDS]?: Uint8Array[];
  [PACKING]?: Record<string, boolean>;
}

/** Nesting beyond this is treated as hostile input (graphs in attributes recurse). */
const MAX_DEPTH = 100;

const utf8 = new TextDecoder('utf-8');

function decodeString(buf: Uint8Array, start: number, end: number): string {
  // Short ASCII names are the common case; TextDecoder's call overhead dominates for them.
  if (end - start < 32) {
    let s = '';
    for (let i = start; i < end; i++) {
      const c = buf[i]!;
      if (c >= 0x80) return utf8.decode(buf.subarray(start, end));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return utf8.decode(buf.subarray(start, end));
}

function fixedWidth(kind: NumericKind): number {
  return kind === 'float' ? 4 : kind === 'double' ? 8 : 0;
}

function checkPackedVarints(buf: Uint8Array, start: number, end: number): void {
  let run = 0;
  for (let i = start; i < end; i++) {
    if (buf[i]! & 0x80) {
      if (++run >= 10) throw new WireError('varint longer than 10 bytes in packed field', i);
    } else run = 0;
  }
  if (run > 0) throw new WireError('packed field ends inside a varint', end);
}

/**
 * Decodes one message of type `def` from `buf[start, end)`. Bytes fields are views into `buf`
 * (no copy); lazy repeated fields keep their packed bytes; unknown fields are kept verbatim.
 */
export function decodeMessage(def: MessageDef, buf: Uint8Array, start = 0, end = buf.length, depth = 0): DecodedMessage {
  if (depth > MAX_DEPTH) throw new WireError(`messages nested deeper than ${MAX_DEPTH} levels`, start);
  const r = new WireReader(buf, start, end);
  const msg: DecodedMessage = {};
  while (r.pos < end) {
    const tagStart = r.pos;
    const tag = r.uint();
    const no = Math.floor(tag / 8);
    const wt = tag & 7;
    if (no === 0) throw new WireError('field number 0', tagStart);
    const f = def.byNumber.get(no);
    const expected = f ? wireTypeOf(f) : -1;
    const packedRun = f !== undefined && f.repeated && wt === WireType.LEN && expected !== WireType.LEN;
    if (!f) {
      r.skip(wt, no);
      (msg[UNKNOWN_FIELDS] ??= []).push(buf.subarray(tagStart, r.pos));
      continue;
    }
    if (wt !== expected && !packedRun) {
      // Protobuf would keep it as an unknown field, but no writer produces this: the bytes are
      // damaged, and reading on would report something further away from where they are.
      throw new WireError(`field ${no} (${def.name}.${f.name}) has wire type ${wt}, expected ${expected}`, tagStart);
    }
    if (packedRun) {
      decodePackedRun(f, r, msg);
      continue;
    }
    if (f.repeated && f.kind !== 'message' && f.kind !== 'string' && f.kind !== 'bytes' && f.packed) {
      // A canonical writer packs this field; remember that this file did not.
      (msg[PACKING] ??= {})[f.name] = false;
    }
    const value = decodeValue(f, r, buf, depth);
    if (f.repeated) {
      if (f.lazy) lazyList(msg, f).loose.push(value as number);
      else ((msg[f.name] ??= []) as unknown[]).push(value);
    } else if (f.kind === 'message' && msg[f.name] !== undefined) {
      // Protobuf merges repeated occurrences of a singular message field; keep the last fields.
      Object.assign(msg[f.name] as DecodedMessage, value);
    } else msg[f.name] = value;
  }
  return msg;
}

function lazyList(msg: DecodedMessage, f: FieldDef): PackedValues {
  return (msg[f.name] ??= PackedValues.empty(f.kind as NumericKind)) as PackedValues;
}

function decodePackedRun(f: FieldDef, r: WireReader, msg: DecodedMessage): void {
  const kind = f.kind as NumericKind;
  const { start, end } = r.lengthDelimited();
  const width = fixedWidth(kind);
  if (width && (end - start) % width !== 0) {
    throw new WireError(`packed ${f.name} has ${end - start} bytes, not a multiple of ${width}`, start);
  }
  if (!width) checkPackedVarints(r.buf, start, end);
  if (!f.packed) (msg[PACKING] ??= {})[f.name] = true;
  if (f.lazy) {
    lazyList(msg, f).chunks.push(r.buf.subarray(start, end));
    return;
  }
  const list = (msg[f.name] ??= []) as unknown[];
  const inner = new WireReader(r.buf, start, end);
  while (inner.pos < end) list.push(readScalar(inner, kind));
}

function decodeValue(f: FieldDef, r: WireReader, buf: Uint8Array, depth: number): unknown {
  switch (f.kind) {
    case 'string': {
      const { start, end } = r.lengthDelimited();
      return decodeString(buf, start, end);
    }
    case 'bytes': {
      const { start, end } = r.lengthDelimited();
      return buf.subarray(start, end);
    }
    case 'message': {
      const { start, end } = r.lengthDelimited();
      return decodeMessage(f.message!(), buf, start, end, depth + 1);
    }
    default:
      return readScalar(r, f.kind);
  }
}
