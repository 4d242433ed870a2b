import { PackedValues, readScalar, type NumericKind } from './packed-values.js';
import { wireTypeOf, type FieldDef, type MessageDef } from './schema.js';
import { WireError, WireReader, WireType } from './wire-reader.js';
import { decodeUtf8Lossless } from './utf8-escape.js';

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

/**
 * Recently decoded short strings, by a hash of their bytes. Names repeat throughout a model
 * (every value is written by one node and read by others, tensor names, external-data keys), so
 * most short strings are found here: no allocation, and the IR's maps get one string per name.
 * Direct-mapped and bounded; an entry is used only after comparing it byte for byte.
 */
const INTERN_SLOTS = 4096;
const interned: (string | undefined)[] = new Array<string | undefined>(INTERN_SLOTS).fill(undefined);
const INTERN_MAX = 64;

/** Typed arrays' own subarray: Buffer overrides it with a slower one that builds a Buffer. */
const viewOf = Uint8Array.prototype.subarray;

function decodeString(buf: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n > INTERN_MAX) return decodeUtf8Lossless(buf.subarray(start, end));
  // The hash stays below 2^22 so that it is a small integer throughout: a cold decode runs in
  // V8's interpreter, where larger intermediate values (Math.imul, FNV) are boxed per byte.
  let h = n;
  let bits = 0;
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    bits |= c;
    h = (h * 31 + c) & 0x3fffff;
  }
  if (bits >= 0x80) return decodeUtf8Lossless(buf.subarray(start, end));
  const slot = (h ^ (h >> 11)) & (INTERN_SLOTS - 1);
  const hit = interned[slot];
  if (hit !== undefined && hit.length === n) {
    let i = 0;
    while (i < n && hit.charCodeAt(i) === buf[start + i]) i++;
    if (i === n) return hit;
  }
  // ASCII: one native call makes the (flat) string from the byte codes.
  const s: string = String.fromCharCode.apply(null, viewOf.call(buf, start, end) as unknown as number[]);
  interned[slot] = s;
  return s;
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

/** What the decoder needs of a field, worked out once per schema rather than per value. */
interface FieldPlan {
  readonly f: FieldDef;
  /** The wire type of one value. */
  readonly wt: number;
  /** A repeated scalar that may arrive as a packed (LEN) run. */
  readonly packable: boolean;
  /** A repeated number whose canonical form is packed (so an unpacked value is remembered). */
  readonly packedByDefault: boolean;
}

const plans = new WeakMap<MessageDef, (FieldPlan | undefined)[]>();

/** The fields of `def` indexed by field number (an array: a lookup per field is an index). */
function planOf(def: MessageDef): (FieldPlan | undefined)[] {
  let plan = plans.get(def);
  if (plan) return plan;
  plan = [];
  for (const f of def.fields) {
    const wt = wireTypeOf(f);
    const numeric = f.kind !== 'message' && f.kind !== 'string' && f.kind !== 'bytes';
    // Sparse, not huge: schemas number fields from 1 up with few gaps.
    if (f.no < 1 << 16) plan[f.no] = { f, wt, packable: f.repeated && wt !== WireType.LEN, packedByDefault: f.repeated && numeric && f.packed };
  }
  plans.set(def, plan);
  return plan;
}

/**
 * Decodes one message of type `def` from `buf[start, end)`. Bytes fields are views into `buf`
 * (no copy); lazy repeated fields keep their packed bytes; unknown fields are kept verbatim.
 */
export function decodeMessage(def: MessageDef, buf: Uint8Array, start = 0, end = buf.length, depth = 0): DecodedMessage {
  return decodeFields(def, new WireReader(buf, start, end), depth);
}

/** Decodes the fields from `r.pos` to `r.end`; nested messages reuse `r` with a narrowed end. */
function decodeFields(def: MessageDef, r: WireReader, depth: number): DecodedMessage {
  const end = r.end;
  if (depth > MAX_DEPTH) throw new WireError(`messages nested deeper than ${MAX_DEPTH} levels`, r.pos);
  const buf = r.buf;
  const plan = planOf(def);
  const msg: DecodedMessage = {};
  while (r.pos < end) {
    const tagStart = r.pos;
    const tag = r.uint();
    const no = Math.floor(tag / 8);
    const wt = tag & 7;
    if (no === 0) throw new WireError('field number 0', tagStart);
    const p = no < plan.length ? plan[no] : undefined;
    if (p === undefined) {
      r.skip(wt, no);
      (msg[UNKNOWN_FIELDS] ??= []).push(buf.subarray(tagStart, r.pos));
      continue;
    }
    const f = p.f;
    if (wt !== p.wt) {
      if (p.packable && wt === WireType.LEN) {
        decodePackedRun(f, r, msg);
        continue;
      }
      // Protobuf would keep it as an unknown field, but no writer produces this: the bytes are
      // damaged, and reading on would report something further away from where they are.
      throw new WireError(`field ${no} (${def.name}.${f.name}) has wire type ${wt}, expected ${p.wt}`, tagStart);
    }
    // A canonical writer packs this field; remember that this file did not.
    if (p.packedByDefault) (msg[PACKING] ??= {})[f.name] = false;
    let value: unknown;
    if (wt === WireType.LEN) {
      const e = r.payloadEnd();
      const s = r.pos;
      if (f.kind === 'string') value = decodeString(buf, s, e);
      else if (f.kind === 'bytes') value = buf.subarray(s, e);
      else {
        // An error ends the whole decode, and the reader is its own: no need to restore on throw.
        r.end = e;
        value = decodeFields(f.message!(), r, depth + 1);
        r.end = end;
      }
      r.pos = e;
    } else value = readScalar(r, f.kind as NumericKind);
    if (f.repeated) {
      if (f.lazy) lazyList(msg, f).loose.push(value as number);
      else {
        const list = msg[f.name] as unknown[] | undefined;
        if (list === undefined) msg[f.name] = [value];
        else list.push(value);
      }
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
