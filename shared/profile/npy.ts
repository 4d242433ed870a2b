// NumPy's .npy format (versions 1–3): a magic string, a Python dict literal header
// ({'descr': '<f4', 'fortran_order': False, 'shape': (1, 3), }) and the array's bytes in C order.
// Only what model inputs need: little-endian numbers and bool, C order.

import { WorkbenchError } from '../errors.js';
import { ElemType, type ElemTypeCode } from '../onnx/element-types.js';

export interface NpyArray {
  elemType: ElemTypeCode;
  dims: number[];
  /** Values as onnxruntime takes them: float16 as its bits (Uint16Array), bool as 0/1 bytes. */
  data: Float32Array | Float64Array | Uint16Array | Int8Array | Int16Array | Int32Array | BigInt64Array | Uint8Array | Uint32Array | BigUint64Array;
}

type Ctor = { new (buffer: ArrayBuffer): NpyArray['data']; BYTES_PER_ELEMENT: number };

// descr kind+size (byte order stripped) → element type and array type.
const TYPES: Record<string, [ElemTypeCode, Ctor]> = {
  f2: [ElemType.FLOAT16, Uint16Array],
  f4: [ElemType.FLOAT, Float32Array],
  f8: [ElemType.DOUBLE, Float64Array],
  i1: [ElemType.INT8, Int8Array],
  i2: [ElemType.INT16, Int16Array],
  i4: [ElemType.INT32, Int32Array],
  i8: [ElemType.INT64, BigInt64Array],
  u1: [ElemType.UINT8, Uint8Array],
  u2: [ElemType.UINT16, Uint16Array],
  u4: [ElemType.UINT32, Uint32Array],
  u8: [ElemType.UINT64, BigUint64Array],
  b1: [ElemType.BOOL, Uint8Array],
};

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

function bad(what: string, message: string): never {
  throw new WorkbenchError('BAD_NPY', `${what}: ${message}`);
}

function field(header: string, key: string): string | undefined {
  // Values are a quoted string, True/False, or a tuple.
  const m = new RegExp(`['"]${key}['"]\\s*:\\s*('[^']*'|"[^"]*"|True|False|\\([^)]*\\))`).exec(header);
  return m?.[1];
}

/** Parses a .npy file's bytes; `what` names the file in errors. */
export function parseNpy(bytes: Uint8Array, what = 'npy file'): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) bad(what, 'not a .npy file (no \\x93NUMPY magic)');
  const major = bytes[6]!;
  if (major < 1 || major > 3) bad(what, `.npy format version ${major}.${bytes[7]} is not supported`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  if (start + headerLen > bytes.length) bad(what, 'truncated header');
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLen));
  const descr = field(header, 'descr')?.slice(1, -1);
  const fortran = field(header, 'fortran_order');
  const shapeText = field(header, 'shape');
  if (descr === undefined || fortran === undefined || shapeText === undefined) bad(what, `unreadable header ${JSON.stringify(header.trim())}`);
  if (fortran === 'True') bad(what, 'Fortran-order arrays are not supported (save with np.ascontiguousarray)');
  const dims = shapeText
    .slice(1, -1)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      if (!/^\d+L?$/.test(s)) bad(what, `bad dimension "${s}" in shape ${shapeText}`);
      return Number.parseInt(s, 10);
    });
  const order = descr[0]!;
  const kind = descr.slice(1);
  const type = TYPES[kind];
  if (!'<>|='.includes(order) || !type) bad(what, `dtype '${descr}' is not supported (numbers and bool only)`);
  const [elemType, ctor] = type;
  if (order === '>' && ctor.BYTES_PER_ELEMENT > 1) bad(what, `big-endian dtype '${descr}' is not supported (save with astype('<${kind}'))`);
  const count = dims.reduce((a, b) => a * b, 1);
  const dataStart = start + headerLen;
  const byteLength = count * ctor.BYTES_PER_ELEMENT;
  if (bytes.length - dataStart < byteLength) bad(what, `holds ${bytes.length - dataStart} data bytes; shape (${dims.join(', ')}) of '${descr}' needs ${byteLength}`);
  // A copy: typed arrays need an aligned offset, and the file buffer must not be kept alive.
  // (Never bytes.slice: on a Node Buffer that is a view, not a copy.)
  const copy = new Uint8Array(byteLength);
  copy.set(bytes.subarray(dataStart, dataStart + byteLength));
  return { elemType, dims, data: new ctor(copy.buffer) };
}

/** A .npy file for `array` (version 1 header, C order, little-endian): for tests and exports. */
export function encodeNpy(array: NpyArray): Uint8Array {
  const kind = Object.entries(TYPES).find(([, [t, c]]) => t === array.elemType && array.data instanceof c)?.[0];
  if (!kind) throw new WorkbenchError('BAD_NPY', 'no .npy dtype for this array');
  const order = kind === 'b1' || kind === 'i1' || kind === 'u1' ? '|' : '<';
  const shape = array.dims.length === 1 ? `(${array.dims[0]},)` : `(${array.dims.join(', ')})`;
  let header = `{'descr': '${order}${kind}', 'fortran_order': False, 'shape': ${shape}, }`;
  // Pad so that the data starts on a 64-byte boundary, ending with a newline.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const data = new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength);
  const out = new Uint8Array(10 + header.length + data.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(data, 10 + header.length);
  return out;
}
