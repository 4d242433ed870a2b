// The Python peers of the compression benchmark: onnxruntime's quantize_static (after
// quant_pre_process) and quantize_dynamic, onnxconverter-common's convert_float_to_float16
// (keep_io_types) and onnxruntime's MatMul 4-bit quantizer, installed with pip into the bench venv
// (optimize-python-peers.ts) and run as small scripts with a time limit each. Static calibration
// reads the same .npy sample folders as ours (one folder per sample, <input>.npy each).

import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { lastLine, prepareVenv, py, type Venv } from './optimize-python-peers.js';

export const COMPRESS_PEERS = ['ort-static', 'ort-dynamic', 'occ-fp16', 'ort-int4'] as const;
export type CompressPeer = (typeof COMPRESS_PEERS)[number];

// sympy (quant_pre_process's symbolic shape inference) and onnx-ir (the n-bit quantizer) are not pulled in by onnxruntime.
const PACKAGES = ['onnx', 'onnxruntime', 'onnxconverter-common', 'sympy', 'onnx-ir'];

export function prepareCompressPeers(venvDir: string, log: (line: string) => void): Promise<Venv> {
  return prepareVenv(venvDir, PACKAGES, ['onnx', 'onnxruntime.quantization', 'onnxconverter_common', 'sympy', 'onnx_ir'], ['onnx', 'onnxruntime', 'onnxconverter-common'], log);
}

const READER = [
  'import os, numpy as np',
  'from onnxruntime.quantization import CalibrationDataReader',
  'class Reader(CalibrationDataReader):',
  '    def __init__(self, root):',
  '        sets = []',
  '        for d in sorted(os.listdir(root)):',
  '            p = os.path.join(root, d)',
  '            sets.append({f[:-4]: np.load(os.path.join(p, f)) for f in sorted(os.listdir(p)) if f.endswith(".npy")})',
  '        self.it = iter(sets)',
  '    def get_next(self):',
  '        return next(self.it, None)',
].join('\n');

// quant_pre_process as onnxruntime recommends; where its symbolic shape inference gives up
// (dynamic dims it cannot follow), again without it, as its own error message suggests.
const PRE = [
  'pre = sys.argv[2] + ".pre.onnx"',
  'note = ""',
  'try:',
  '    quant_pre_process(sys.argv[1], pre)',
  'except Exception as e:',
  '    note = "quant_pre_process needed skip_symbolic_shape=True (" + str(e).splitlines()[0][:80] + ")"',
  '    quant_pre_process(sys.argv[1], pre, skip_symbolic_shape=True)',
].join('\n');

// Each: argv = input, output, calibration folder, per-channel (1/0); prints one JSON line last: {"ms": ...}.
const SCRIPTS: Record<CompressPeer, string> = {
  'ort-static': [
    'import sys, json, time',
    READER,
    'from onnxruntime.quantization import quantize_static, QuantFormat, QuantType, CalibrationMethod',
    'from onnxruntime.quantization.shape_inference import quant_pre_process',
    't = time.perf_counter()',
    PRE,
    'quantize_static(pre, sys.argv[2], Reader(sys.argv[3]), quant_format=QuantFormat.QDQ, per_channel=sys.argv[4] == "1", activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, calibrate_method=CalibrationMethod.MinMax)',
    'os.remove(pre)',
    'print(json.dumps({"ms": (time.perf_counter() - t) * 1000, "note": note}))',
  ].join('\n'),
  'ort-dynamic': [
    'import sys, os, json, time',
    'from onnxruntime.quantization import quantize_dynamic, QuantType',
    'from onnxruntime.quantization.shape_inference import quant_pre_process',
    't = time.perf_counter()',
    PRE,
    'quantize_dynamic(pre, sys.argv[2], weight_type=QuantType.QInt8)',
    'os.remove(pre)',
    'print(json.dumps({"ms": (time.perf_counter() - t) * 1000, "note": note}))',
  ].join('\n'),
  'occ-fp16': [
    'import sys, json, time, onnx',
    'from onnxconverter_common import float16',
    't = time.perf_counter()',
    'm = float16.convert_float_to_float16(onnx.load(sys.argv[1]), keep_io_types=True)',
    'onnx.save(m, sys.argv[2])',
    'print(json.dumps({"ms": (time.perf_counter() - t) * 1000}))',
  ].join('\n'),
  'ort-int4': [
    'import sys, json, time, onnx',
    'try:',
    '    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer as Q',
    'except ImportError:',
    '    from onnxruntime.quantization.matmul_4bits_quantizer import MatMul4BitsQuantizer as Q',
    't = time.perf_counter()',
    'q = Q(onnx.load(sys.argv[1]), block_size=32, is_symmetric=True)',
    'q.process()',
    'q.model.save_model_to_file(sys.argv[2], False)',
    'print(json.dumps({"ms": (time.perf_counter() - t) * 1000}))',
  ].join('\n'),
};

export interface CompressPeerRun {
  ok: boolean;
  ms?: number;
  error?: string;
  note?: string;
}

/**
 * Runs one peer on `input` (static: calibrated on the sample folders under `calibration`), in the
 * output's folder: quant_pre_process leaves temporary files in its working directory.
 */
export async function runCompressPeer(venv: Venv, peer: CompressPeer, input: string, output: string, calibration: string, perChannel: boolean, timeoutMs: number): Promise<CompressPeerRun> {
  if (!venv.python) return { ok: false, error: venv.unavailable ?? 'not available' };
  await rm(output, { force: true });
  try {
    const stdout = await py(venv.python, ['-c', SCRIPTS[peer], input, output, calibration, perChannel ? '1' : '0'], timeoutMs, dirname(output));
    const lines = stdout.trim().split('\n');
    const r = JSON.parse(lines[lines.length - 1]!) as { ms: number; note?: string };
    return existsSync(output) ? { ok: true, ms: r.ms, ...(r.note ? { note: r.note } : {}) } : { ok: false, error: 'wrote no model' };
  } catch (e) {
    return { ok: false, error: lastLine(e) };
  }
}
