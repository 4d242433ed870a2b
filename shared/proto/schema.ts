import { WireType } from './wire-reader.js';

/** Scalar kinds a field can have on the wire. */
export type ScalarKind = 'int32' | 'int64' | 'uint64' | 'enum' | 'float' | 'double' | 'string' | 'bytes';

export interface FieldDef {
  readonly no: number;
  /** The property name in decoded objects (camelCase of the proto name). */
  readonly name: string;
  readonly kind: ScalarKind | 'message';
  readonly repeated: boolean;
  /** Packed encoding for repeated scalars (what a canonical serializer writes). */
  readonly packed: boolean;
  /** Repeated numeric fields kept as undecoded packed bytes (tensor payloads). */
  readonly lazy: boolean;
  readonly message?: () => MessageDef;
}

export interface MessageDef {
  readonly name: string;
  /** Fields in field-number order: the order a canonical serializer writes them. */
  readonly fields: readonly FieldDef[];
  readonly byNumber: ReadonlyMap<number, FieldDef>;
}

type FieldSpec =
  | [no: number, name: string, kind: ScalarKind, flags?: string]
  | [no: number, name: string, message: () => MessageDef, flags?: string];

/** Declares a message from `[number, name, kind or message, flags]` rows; flags: r(epeated) p(acked) l(azy). */
export function message(name: string, specs: FieldSpec[]): MessageDef {
  const fields = specs
    .map(([no, fname, kind, flags = '']): FieldDef => {
      const isMessage = typeof kind === 'function';
      return {
        no,
        name: fname,
        kind: isMessage ? 'message' : kind,
        repeated: flags.includes('r'),
        packed: flags.includes('p'),
        lazy: flags.includes('l'),
        ...(isMessage ? { message: kind } : {}),
      };
    })
    .sort((a, b) => a.no - b.no);
  return { name, fields, byNumber: new Map(fields.map((f) => [f.no, f])) };
}

/** The wire type a field's single value has (packed runs of scalars are LEN instead). */
export function wireTypeOf(f: FieldDef): number {
  switch (f.kind) {
    case 'float':
      return WireType.I32;
    case 'double':
      return WireType.I64;
    case 'string':
    case 'bytes':
    case 'message':
      return WireType.LEN;
    default:
      return WireType.VARINT;
  }
}
