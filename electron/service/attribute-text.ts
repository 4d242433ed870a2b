import { elemTypeName } from '../../shared/onnx/element-types.js';
import { summarizeValue } from '../../shared/onnx/model-summary.js';
import { AttrType, type AttributeProto, type TensorProto } from '../../shared/onnx/proto-types.js';

// Attributes as the node panel shows them: short text, never the contents of a big tensor.

/** Lists longer than this show their first entries and a count. */
const MAX_LIST = 16;
/** Strings longer than this are cut. */
const MAX_STRING = 200;

const utf8 = new TextDecoder('utf-8', { fatal: false });

function str(bytes: Uint8Array | undefined): string {
  const s = utf8.decode(bytes ?? new Uint8Array());
  return JSON.stringify(s.length > MAX_STRING ? `${s.slice(0, MAX_STRING)}…` : s);
}

function list<T>(items: readonly T[], show: (item: T) => string): string {
  const shown = items.slice(0, MAX_LIST).map(show);
  if (items.length > MAX_LIST) shown.push(`… (${items.length} values)`);
  return `[${shown.join(', ')}]`;
}

function tensorText(t: TensorProto | undefined): string {
  if (!t) return '<tensor>';
  const dims = (t.dims ?? []).map(Number);
  return `<tensor ${elemTypeName(t.dataType ?? 0)} [${dims.join(', ')}]>`;
}

// Attributes written without `type` (old exporters) are recognized by the field that is set.
function kindOf(a: AttributeProto): number {
  if (a.type) return a.type;
  if (a.f !== undefined) return AttrType.FLOAT;
  if (a.i !== undefined) return AttrType.INT;
  if (a.s !== undefined) return AttrType.STRING;
  if (a.t) return AttrType.TENSOR;
  if (a.g) return AttrType.GRAPH;
  if (a.floats?.length) return AttrType.FLOATS;
  if (a.ints?.length) return AttrType.INTS;
  if (a.strings?.length) return AttrType.STRINGS;
  if (a.tensors?.length) return AttrType.TENSORS;
  if (a.graphs?.length) return AttrType.GRAPHS;
  return AttrType.UNDEFINED;
}

/** An attribute's value as one short line: `[1, 1]`, `0.5`, `"SAME"`, `<tensor float [64]>`, `<graph>`. */
export function attributeText(a: AttributeProto): string {
  if (a.refAttrName) return `@${a.refAttrName}`;
  switch (kindOf(a)) {
    case AttrType.FLOAT:
      return String(a.f ?? 0);
    case AttrType.INT:
      return String(a.i ?? 0);
    case AttrType.STRING:
      return str(a.s);
    case AttrType.TENSOR:
      return tensorText(a.t);
    case AttrType.GRAPH:
      return `<graph ${a.g?.name ?? ''}>`.replace(' >', '>');
    case AttrType.FLOATS:
      return list(a.floats ?? [], String);
    case AttrType.INTS:
      return list(a.ints ?? [], String);
    case AttrType.STRINGS:
      return list(a.strings ?? [], str);
    case AttrType.TENSORS:
      return list(a.tensors ?? [], tensorText);
    case AttrType.GRAPHS:
      return `<${a.graphs?.length ?? 0} graphs>`;
    case AttrType.SPARSE_TENSOR:
      return `<sparse tensor ${elemTypeName(a.sparseTensor?.values?.dataType ?? 0)} [${(a.sparseTensor?.dims ?? []).map(Number).join(', ')}]>`;
    case AttrType.SPARSE_TENSORS:
      return `<${a.sparseTensors?.length ?? 0} sparse tensors>`;
    case AttrType.TYPE_PROTO:
      return `<type ${summarizeValue({ type: a.tp }).elemType}>`;
    case AttrType.TYPE_PROTOS:
      return list(a.typeProtos ?? [], (tp) => `<type ${summarizeValue({ type: tp }).elemType}>`);
    default:
      return '<empty>';
  }
}
