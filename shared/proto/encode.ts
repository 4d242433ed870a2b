import { PACKING, UNKNOWN_FIELDS, type DecodedMessage } from './decode.js';
import { PackedValues } from './packed-values.js';
import { wireTypeOf, type FieldDef, type MessageDef } from './schema.js';
import { WireType, type Int64 } from './wire-reader.js';
import { int64Size, uintSize, utf8Length, WireWriter } from './wire-writer.js';

/**
 * Encodes messages the way a canonical protobuf serializer does: known fields in field-number
 * order, then unknown fields as they were read. Sizes of nested messages are computed once and
 * remembered, so the whole encode is two linear walks.
 */
class Encoder {
  private readonly sizes = new Map<object, number>();
  private readonly strLens = new Map<string, number>();
  readonly w = new WireWriter();

  private strLen(s: string): number {
    if (s.length < 64) {
      let ascii = true;
      for (let i = 0; i < s.length && ascii; i++) ascii = s.charCodeAt(i) < 0x80;
      if (ascii) return s.length;
    }
    let n = this.strLens.get(s);
    if (n === undefined) this.strLens.set(s, (n = utf8Length(s)));
    return n;
  }

  size(def: MessageDef, msg: DecodedMessage): number {
    const cached = this.sizes.get(msg);
    if (cached !== undefined) return cached;
    let n = 0;
    for (const f of def.fields) {
      const v = msg[f.name];
      if (v === undefined) continue;
      n += this.fieldSize(f, v, msg);
    }
    const unknown = msg[UNKNOWN_FIELDS];
    if (unknown) for (const u of unknown) n += u.length;
    this.sizes.set(msg, n);
    return n;
  }

  private scalarSize(f: FieldDef, v: unknown): number {
    switch (f.kind) {
      case 'float':
        return 4;
      case 'double':
        return 8;
      case 'string': {
        const len = this.strLen(v as string);
        return uintSize(len) + len;
      }
      case 'bytes': {
        const len = (v as Uint8Array).length;
        return uintSize(len) + len;
      }
      case 'message': {
        const len = this.size(f.message!(), v as DecodedMessage);
        return uintSize(len) + len;
      }
      default:
        return int64Size(v as Int64);
    }
  }

  private packedPayloadSize(f: FieldDef, values: PackedValues | readonly Int64[]): number {
    if (values instanceof PackedValues) {
      let n = 0;
      for (const c of values.chunks) n += c.length;
      for (const v of values.loose) n += this.scalarSize(f, v);
      return n;
    }
    let n = 0;
    for (const v of values) n += this.scalarSize(f, v);
    return n;
  }

  private isPacked(f: FieldDef, msg: DecodedMessage): boolean {
    return msg[PACKING]?.[f.name] ?? f.packed;
  }

  private fieldSize(f: FieldDef, v: unknown, msg: DecodedMessage): number {
    const tagLen = uintSize(f.no * 8);
    if (!f.repeated) return tagLen + this.scalarSize(f, v);
    const numeric = f.kind !== 'string' && f.kind !== 'bytes' && f.kind !== 'message';
    if (numeric && this.isPacked(f, msg)) {
      const payload = this.packedPayloadSize(f, v as PackedValues | Int64[]);
      return payload === 0 ? 0 : tagLen + uintSize(payload) + payload;
    }
    const list = v instanceof PackedValues ? v.values() : (v as unknown[]);
    let n = 0;
    for (const item of list) n += tagLen + this.scalarSize(f, item);
    return n;
  }

  write(def: MessageDef, msg: DecodedMessage): void {
    for (const f of def.fields) {
      const v = msg[f.name];
      if (v === undefined) continue;
      this.writeField(f, v, msg);
    }
    const unknown = msg[UNKNOWN_FIELDS];
    if (unknown) for (const u of unknown) this.w.raw(u);
  }

  private writeField(f: FieldDef, v: unknown, msg: DecodedMessage): void {
    const w = this.w;
    if (!f.repeated) {
      w.tag(f.no, wireTypeOf(f));
      this.writeScalar(f, v);
      return;
    }
    const numeric = f.kind !== 'string' && f.kind !== 'bytes' && f.kind !== 'message';
    if (numeric && this.isPacked(f, msg)) {
      const payload = this.packedPayloadSize(f, v as PackedValues | Int64[]);
      if (payload === 0) return;
      w.tag(f.no, WireType.LEN);
      w.uint(payload);
      if (v instanceof PackedValues) {
        for (const c of v.chunks) w.raw(c);
        for (const x of v.loose) this.writeScalar(f, x);
      } else for (const x of v as Int64[]) this.writeScalar(f, x);
      return;
    }
    const list = v instanceof PackedValues ? v.values() : (v as unknown[]);
    const wt = wireTypeOf(f);
    for (const item of list) {
      w.tag(f.no, wt);
      this.writeScalar(f, item);
    }
  }

  private writeScalar(f: FieldDef, v: unknown): void {
    const w = this.w;
    switch (f.kind) {
      case 'float':
        return w.float(v as number);
      case 'double':
        return w.double(v as number);
      case 'string':
        return w.string(v as string, this.strLen(v as string));
      case 'bytes':
        return w.bytes(v as Uint8Array);
      case 'message': {
        const def = f.message!();
        w.uint(this.size(def, v as DecodedMessage));
        return this.write(def, v as DecodedMessage);
      }
      case 'int32':
      case 'enum':
        return w.int32(v as number);
      default:
        return w.int64(v as Int64);
    }
  }
}

/** Encodes `msg` as a list of segments; large byte fields are views of the message's own bytes. */
export function encodeMessage(def: MessageDef, msg: DecodedMessage): Uint8Array[] {
  const e = new Encoder();
  e.size(def, msg);
  e.write(def, msg);
  return e.w.finish();
}

/** Encoded size of `msg` in bytes, without encoding it. */
export function encodedSize(def: MessageDef, msg: DecodedMessage): number {
  return new Encoder().size(def, msg);
}
