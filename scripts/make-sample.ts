// Writes assets/sample.onnx: a small image classifier (conv blocks, a residual add, a classifier
// head, and an If that picks the output normalization) with seeded weights. Run with
// `npm run make:sample`; the file is committed so the app opens without running anything.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ElemType, graph, model, modelBytes, node, tensor, valueInfo } from '../shared/builder/index.js';
import type { NodeProto, TensorProto } from '../shared/onnx/proto-types.js';

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = seeded(7);
const weights = (name: string, dims: number[], scale: number): TensorProto => {
  const n = dims.reduce((a, b) => a * b, 1);
  return tensor(name, ElemType.FLOAT, dims, Float32Array.from({ length: n }, () => (rand() * 2 - 1) * scale));
};
const positive = (name: string, n: number): TensorProto =>
  tensor(name, ElemType.FLOAT, [n], Float32Array.from({ length: n }, () => 0.5 + rand()));

const nodes: NodeProto[] = [];
const inits: TensorProto[] = [];

function convBlock(prefix: string, input: string, cin: number, cout: number, stride: number): string {
  inits.push(weights(`${prefix}.weight`, [cout, cin, 3, 3], 1 / Math.sqrt(cin * 9)));
  inits.push(positive(`${prefix}.bn.scale`, cout), weights(`${prefix}.bn.bias`, [cout], 0.1));
  inits.push(weights(`${prefix}.bn.mean`, [cout], 0.1), positive(`${prefix}.bn.var`, cout));
  nodes.push(
    node('Conv', [input, `${prefix}.weight`], [`${prefix}/conv`], { pads: [1, 1, 1, 1], strides: [stride, stride], kernel_shape: [3, 3] }, { name: `${prefix}/Conv` }),
    node(
      'BatchNormalization',
      [`${prefix}/conv`, `${prefix}.bn.scale`, `${prefix}.bn.bias`, `${prefix}.bn.mean`, `${prefix}.bn.var`],
      [`${prefix}/bn`],
      {},
      { name: `${prefix}/BatchNormalization` },
    ),
    node('Relu', [`${prefix}/bn`], [`${prefix}/relu`], {}, { name: `${prefix}/Relu` }),
  );
  return `${prefix}/relu`;
}

let x = convBlock('stem', 'image', 3, 16, 2);
const a = convBlock('block1.a', x, 16, 16, 1);
const b = convBlock('block1.b', a, 16, 16, 1);
nodes.push(node('Add', [x, b], ['block1/residual'], {}, { name: 'block1/Add' }));
x = convBlock('block2', 'block1/residual', 16, 32, 2);
nodes.push(
  node('GlobalAveragePool', [x], ['head/pool'], {}, { name: 'head/GlobalAveragePool' }),
  node('Flatten', ['head/pool'], ['head/flat'], { axis: 1 }, { name: 'head/Flatten' }),
  node('Gemm', ['head/flat', 'head.fc.weight', 'head.fc.bias'], ['logits'], { transB: 1 }, { name: 'head/Gemm' }),
);
inits.push(weights('head.fc.weight', [10, 32], 0.3), weights('head.fc.bias', [10], 0.1));

const softmax = graph({
  name: 'then_softmax',
  nodes: [node('Softmax', ['logits'], ['then_out'], { axis: 1 }, { name: 'head/Softmax' })],
  outputs: [valueInfo('then_out', ElemType.FLOAT, ['batch', 10])],
});
const logSoftmax = graph({
  name: 'else_log_softmax',
  nodes: [node('LogSoftmax', ['logits'], ['else_out'], { axis: 1 }, { name: 'head/LogSoftmax' })],
  outputs: [valueInfo('else_out', ElemType.FLOAT, ['batch', 10])],
});
nodes.push(node('If', ['use_softmax'], ['scores'], { then_branch: softmax, else_branch: logSoftmax }, { name: 'head/If' }));

const sample = model(
  graph({
    name: 'sample_classifier',
    nodes,
    inputs: [valueInfo('image', ElemType.FLOAT, ['batch', 3, 32, 32]), valueInfo('use_softmax', ElemType.BOOL, [])],
    outputs: [valueInfo('scores', ElemType.FLOAT, ['batch', 10])],
    initializers: inits,
  }),
  { opset: 17, docString: 'ONNX Workbench sample: a small classifier with a residual block and an If head.', metadata: { source: 'scripts/make-sample.ts' } },
);

const out = fileURLToPath(new URL('../../assets/sample.onnx', import.meta.url));
writeFileSync(out, modelBytes(sample));
console.log(`wrote ${out}`);
