import { describe, expect, it } from 'vitest';
import type * as ort from 'onnxruntime-node';
import { toOrtTensor } from '../../electron/runtime/ort-tensors.js';
import { verifyModels } from '../../electron/runtime/verify.js';
import { IrModel } from '../../shared/ir/model.js';
import { decodeModel, decodeTensor, encodeModel } from '../../shared/onnx/model-codec.js';
import { concatSegments } from '../../shared/proto/wire-writer.js';
import { runtimeInputs } from '../../shared/verify/input-spec.js';
import { listCases, readBytes } from '../conformance/conformance-data.js';

// A conformance model against itself after a round trip through our codec and IR: on its
// reference inputs and on generated ones, the outputs must be equal under the strictest level.

const PICKED = ['pytorch-converted/test_Conv2d', 'node/test_layer_normalization_2d_axis0', 'node/test_argmax_default_axis_random', 'node/test_gather_0', 'node/test_cast_FLOAT_to_FLOAT16'];
const cases = listCases().filter((c) => PICKED.includes(`${c.group}/${c.name}`));

describe('verifyModels on conformance models, round-tripped', () => {
  it('finds every picked case', () => {
    expect(cases.map((c) => `${c.group}/${c.name}`).sort()).toEqual([...PICKED].sort());
  });

  for (const c of cases) {
    it(`${c.group}/${c.name}`, async () => {
      const proto = decodeModel(readBytes(c.modelPath), c.name);
      const roundTripped = concatSegments(encodeModel(new IrModel(proto).toProto()));
      const inputs: Record<string, ort.Tensor> = {};
      const declared = runtimeInputs(proto.graph!);
      c.dataSets[0]!.inputs.forEach((p, k) => {
        inputs[declared[k]!.name!] = toOrtTensor(decodeTensor(readBytes(p), p));
      });
      const given = await verifyModels(c.modelPath, roundTripped, { tolerance: 'exact', inputs, intraOpThreads: 1 });
      expect(given.passed).toBe(true);
      expect(given.runs).toBe(1);
      for (const o of given.outputs) expect(o).toMatchObject({ passed: true, mismatches: 0 });
      expect(given.outputs.every((o) => o.maxAbsError === 0)).toBe(true);
      expect(given.outputs.length).toBe(proto.graph!.output!.length);

      // Generated inputs; gather's indices must stay valid for its data, so those stay given.
      const indicesOnly: Record<string, ort.Tensor> = c.name === 'test_gather_0' ? { indices: inputs.indices! } : {};
      const generated = await verifyModels(c.modelPath, roundTripped, { tolerance: 'exact', inputs: indicesOnly, intraOpThreads: 1 });
      expect(generated.passed).toBe(true);
      expect(generated.inputSeeds).toEqual([0, 1]);
    });
  }
});
