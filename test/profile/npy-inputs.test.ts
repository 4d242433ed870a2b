import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInputFiles } from '../../electron/runtime/input-files.js';
import { ElemType, tensor, valueInfo } from '../../shared/builder/index.js';
import { encodeTensor } from '../../shared/onnx/model-codec.js';
import { encodeNpy, parseNpy } from '../../shared/profile/npy.js';
import { concatSegments } from '../../shared/proto/wire-writer.js';

/** A .npy file with a hand-written header (any version), as numpy would write it. */
function npyBytes(header: string, data: Uint8Array, version = 1): Uint8Array {
  const pre = version === 1 ? 10 : 12;
  const padded = header.padEnd(Math.ceil((pre + header.length + 1) / 64) * 64 - pre - 1, ' ') + '\n';
  const out = new Uint8Array(pre + padded.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, padded.length, true);
  else view.setUint32(8, padded.length, true);
  out.set(new TextEncoder().encode(padded), pre);
  out.set(data, pre + padded.length);
  return out;
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

describe('.npy reader', () => {
  it('reads version 1, 2 and 3 headers, C order, little-endian numbers and bool', () => {
    const f = Float32Array.from([1.5, -2, 3.25, 4, 5, 6]);
    const v1 = parseNpy(npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", bytesOf(f)));
    expect(v1).toMatchObject({ elemType: ElemType.FLOAT, dims: [2, 3] });
    expect([...(v1.data as Float32Array)]).toEqual([...f]);
    const i = BigInt64Array.from([7n, -8n]);
    const v2 = parseNpy(npyBytes("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", bytesOf(i), 2));
    expect(v2.elemType).toBe(ElemType.INT64);
    expect([...(v2.data as BigInt64Array)]).toEqual([7n, -8n]);
    const v3 = parseNpy(npyBytes("{'descr': '|b1', 'fortran_order': False, 'shape': (), }", Uint8Array.from([1]), 3));
    expect(v3).toMatchObject({ elemType: ElemType.BOOL, dims: [] });
    const h = parseNpy(npyBytes("{'descr': '<f2', 'fortran_order': False, 'shape': (1,), }", bytesOf(Uint16Array.from([0x3c00]))));
    expect(h.elemType).toBe(ElemType.FLOAT16);
    expect(h.data[0]).toBe(0x3c00);
  });

  it('round-trips what encodeNpy writes, with data 64-byte aligned', () => {
    const a = { elemType: ElemType.INT32, dims: [3, 1], data: Int32Array.from([1, 2, 3]) };
    const bytes = encodeNpy(a);
    expect((bytes.length - 12) % 4).toBe(0);
    expect(parseNpy(bytes)).toEqual(a);
  });

  it('refuses Fortran order, big-endian, unsupported dtypes and short data with one-line messages', () => {
    const d = bytesOf(new Float32Array(4));
    expect(() => parseNpy(npyBytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", d), 'x.npy')).toThrow(/x\.npy: Fortran-order/);
    expect(() => parseNpy(npyBytes("{'descr': '>f4', 'fortran_order': False, 'shape': (4,), }", d))).toThrow(/big-endian dtype '>f4'/);
    expect(() => parseNpy(npyBytes("{'descr': '<U4', 'fortran_order': False, 'shape': (1,), }", d))).toThrow(/dtype '<U4' is not supported/);
    expect(() => parseNpy(npyBytes("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", d))).toThrow(/dtype '<c8'/);
    expect(() => parseNpy(npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }", d))).toThrow(/needs 20/);
    expect(() => parseNpy(new TextEncoder().encode('not numpy at all'))).toThrow(/no \\x93NUMPY magic/);
  });
});

describe('input files', () => {
  const declared = [valueInfo('image', ElemType.FLOAT, ['batch', 3, 4, 4]), valueInfo('scale', ElemType.INT64, [])];

  function folder(files: Record<string, Uint8Array>): string {
    const dir = mkdtempSync(join(tmpdir(), 'owb-inputs-'));
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
    return dir;
  }
  const image = encodeNpy({ elemType: ElemType.FLOAT, dims: [2, 3, 4, 4], data: new Float32Array(96).fill(0.5) });
  const scalePb = concatSegments(encodeTensor(tensor('scale', ElemType.INT64, [], [3])));

  it('loads a folder of .npy and .pb files by file name and TensorProto name', async () => {
    const dir = folder({ 'image.npy': image, 'anything.pb': scalePb });
    const got = await loadInputFiles(dir, declared);
    expect(got.get('image')!.tensor).toMatchObject({ name: 'image', type: 'float32', dims: [2, 3, 4, 4] });
    expect(got.get('scale')!.tensor).toMatchObject({ name: 'scale', type: 'int64', dims: [] });
    expect([...(got.get('scale')!.tensor.data as BigInt64Array)]).toEqual([3n]);
  });

  it('takes input_<k> names by position, and a single file for a single-input model', async () => {
    const dir = folder({ 'input_0.npy': image, 'input_1.pb': concatSegments(encodeTensor(tensor('', ElemType.INT64, [], [1]))) });
    expect([...(await loadInputFiles(dir, declared)).keys()].sort()).toEqual(['image', 'scale']);
    const one = folder({ 'whatever.npy': image });
    expect([...(await loadInputFiles(join(one, 'whatever.npy'), [declared[0]!])).keys()]).toEqual(['image']);
  });

  it('refuses ill-shaped, mistyped, missing and unknown inputs, naming the file and the input', async () => {
    const wrongShape = encodeNpy({ elemType: ElemType.FLOAT, dims: [1, 4, 4, 4], data: new Float32Array(64) });
    await expect(loadInputFiles(folder({ 'image.npy': wrongShape, 'scale.pb': scalePb }), declared)).rejects.toThrow(/image\.npy: input 'image' has shape \[batch, 3, 4, 4\], the file holds \[1, 4, 4, 4\] \(axis 1\)/);
    const wrongRank = encodeNpy({ elemType: ElemType.FLOAT, dims: [3, 4, 4], data: new Float32Array(48) });
    await expect(loadInputFiles(folder({ 'image.npy': wrongRank, 'scale.pb': scalePb }), declared)).rejects.toThrow(/has shape \[batch, 3, 4, 4\], the file holds \[3, 4, 4\]/);
    const wrongType = encodeNpy({ elemType: ElemType.DOUBLE, dims: [1, 3, 4, 4], data: new Float64Array(48) });
    await expect(loadInputFiles(folder({ 'image.npy': wrongType, 'scale.pb': scalePb }), declared)).rejects.toThrow(/input 'image' is float, the file holds double/);
    // A scalar input (its shape has no dims) refuses a file holding a vector.
    const scales = concatSegments(encodeTensor(tensor('scale', ElemType.INT64, [2], [3, 4])));
    await expect(loadInputFiles(folder({ 'image.npy': image, 'scale.pb': scales }), declared)).rejects.toThrow(/scale\.pb: input 'scale' has shape \[\], the file holds \[2\]/);
    await expect(loadInputFiles(folder({ 'image.npy': image }), declared)).rejects.toThrow(/no value for input 'scale'/);
    await expect(loadInputFiles(folder({ 'image.npy': image, 'scale.pb': scalePb, 'extra.npy': image }), declared)).rejects.toThrow(/extra\.npy: matches no input/);
    await expect(loadInputFiles(join(tmpdir(), 'owb-no-such-folder'), declared)).rejects.toThrow(/owb-no-such-folder/);
  });
});
