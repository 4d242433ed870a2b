import { describe, expect, it } from 'vitest';
import { IrModel } from '../../shared/ir/model.js';
import { decodeModel, encodeModel, encodeTensor } from '../../shared/onnx/model-codec.js';
import { encodeMessage } from '../../shared/proto/encode.js';
import { concatSegments } from '../../shared/proto/wire-writer.js';
import {
  CASE_GROUPS,
  decodePbValue,
  firstDifference,
  listCases,
  readBytes,
  runtimeInputs,
  type ConformanceCase,
} from './conformance-data.js';

// Decoding and re-encoding must give back every file of the suite byte for byte: the models
// through the IR, and the .pb values (tensors, sequences, optionals, maps) through the codec.

const cases = listCases();
const kindsSeen: Record<string, number> = {};

function roundTripModel(c: ConformanceCase): string[] {
  const problems: string[] = [];
  const bytes = readBytes(c.modelPath);
  const proto = decodeModel(bytes, c.name);
  const out = concatSegments(encodeModel(new IrModel(proto).toProto()));
  const diff = firstDifference(out, bytes);
  if (diff) problems.push(`${c.group}/${c.name}/model.onnx: ${diff}`);

  const graph = proto.graph!;
  const inputs = runtimeInputs(graph);
  for (const ds of c.dataSets) {
    const files = [
      ...ds.inputs.map((p, k) => ({ p, type: inputs[k]?.type })),
      ...ds.outputs.map((p, k) => ({ p, type: graph.output?.[k]?.type })),
    ];
    for (const { p, type } of files) {
      const pb = readBytes(p);
      const v = decodePbValue(pb, type, p);
      kindsSeen[v.kind] = (kindsSeen[v.kind] ?? 0) + 1;
      const again = concatSegments(v.kind === 'tensor' ? encodeTensor(v.tensor) : encodeMessage(v.def, v.message));
      const d = firstDifference(again, pb);
      if (d) problems.push(`${p} (${v.kind}): ${d}`);
    }
  }
  return problems;
}

describe('conformance suite round trip', () => {
  it('finds the whole suite', () => {
    expect(cases.length).toBeGreaterThan(1000);
    for (const g of [...CASE_GROUPS, 'light']) expect(cases.some((c) => c.group === g), g).toBe(true);
    for (const c of cases) {
      expect(c.dataSets.length, c.name).toBeGreaterThan(0);
      for (const ds of c.dataSets) expect(ds.outputs.length, c.name).toBeGreaterThan(0);
    }
  });

  for (const group of [...CASE_GROUPS, 'light'] as const) {
    const inGroup = cases.filter((c) => c.group === group);
    it(`${group}/: ${inGroup.length} models and their .pb values re-encode byte-identical`, () => {
      const problems: string[] = [];
      for (const c of inGroup) {
        try {
          problems.push(...roundTripModel(c));
        } catch (e) {
          problems.push(`${c.group}/${c.name}: ${(e as Error).message}`);
        }
      }
      expect(problems).toEqual([]);
    });
  }

  it('covered sequence and optional values as well as tensors', () => {
    expect(kindsSeen.tensor).toBeGreaterThan(2000);
    expect(kindsSeen.sequence).toBeGreaterThan(0);
    expect(kindsSeen.optional).toBeGreaterThan(0);
    console.log(`round-tripped .pb values: ${JSON.stringify(kindsSeen)}`);
  });
});
