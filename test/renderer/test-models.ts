import { attrGraph, ElemType, graph, model, modelBytes, node, tensor, valueInfo } from '../../shared/builder/index.js';
import type { FunctionProto, ModelProto } from '../../shared/onnx/proto-types.js';

// Small models for the renderer's tests, built with the model builder: scoped node names like an
// exporter writes them, initializers on a convolution, a residual edge, and an If whose branches
// read a value of the main graph without listing it as an input.

const F = ElemType.FLOAT;

function weights(name: string, dims: number[]): ReturnType<typeof tensor> {
  const n = dims.reduce((a, b) => a * b, 1);
  return tensor(name, F, dims, Array.from({ length: n }, (_, i) => ((i % 7) - 3) / 10));
}

/** x → /enc/Conv → /enc/Relu → /enc/block.0/{Conv,Relu} → /enc/Add (residual) → /head/{GlobalAveragePool,Flatten,If}. */
export function scopedModel(): ModelProto {
  const thenBranch = graph({
    name: 'then_branch',
    nodes: [node('Softmax', ['flat'], ['then_out'], { axis: 1 }, { name: 'head/Softmax' })],
    outputs: [valueInfo('then_out', F, [1, 4])],
  });
  const elseBranch = graph({
    name: 'else_branch',
    nodes: [node('Identity', ['flat'], ['else_out'], undefined, { name: 'head/Identity' })],
    outputs: [valueInfo('else_out', F, [1, 4])],
  });
  const nodes = [
    node('Conv', ['x', 'enc.w', 'enc.b'], ['c'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, { name: '/enc/Conv' }),
    node('Relu', ['c'], ['r'], undefined, { name: '/enc/Relu' }),
    node('Conv', ['r', 'blk.w'], ['a'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, { name: '/enc/block.0/Conv' }),
    node('Relu', ['a'], ['b'], undefined, { name: '/enc/block.0/Relu' }),
    node('Add', ['r', 'b'], ['s'], undefined, { name: '/enc/Add' }),
    node('GlobalAveragePool', ['s'], ['g'], undefined, { name: '/head/GlobalAveragePool' }),
    node('Flatten', ['g'], ['flat'], { axis: 1 }, { name: '/head/Flatten' }),
    node('If', ['cond'], ['out'], { then_branch: attrGraph(thenBranch), else_branch: attrGraph(elseBranch) }, { name: '/head/If' }),
  ];
  const g = graph({
    name: 'scoped',
    nodes,
    inputs: [valueInfo('x', F, [1, 3, 8, 8]), valueInfo('cond', ElemType.BOOL, [])],
    outputs: [valueInfo('out', F, [1, 4])],
    initializers: [weights('enc.w', [4, 3, 3, 3]), weights('enc.b', [4]), weights('blk.w', [4, 4, 3, 3])],
  });
  return model(g, { opset: 17, metadata: { purpose: 'renderer tests' } });
}

/** The model's bytes, as a file picker would hand them over. */
export function scopedModelBytes(): Uint8Array {
  return modelBytes(scopedModel());
}

/**
 * A model whose main graph calls a local function `ex.ScaledGelu`, whose body calls another,
 * `ex.HalfOf` (as exporters write functions for modules they keep whole).
 */
export function functionModelBytes(): Uint8Array {
  const halfOf: FunctionProto = {
    name: 'HalfOf',
    domain: 'ex',
    input: ['v'],
    output: ['h'],
    node: [node('Constant', [], ['half'], { value: tensor('half', F, [], [0.5]) }), node('Mul', ['v', 'half'], ['h'])],
    opsetImport: [{ domain: '', version: 17 }],
  };
  const scaledGelu: FunctionProto = {
    name: 'ScaledGelu',
    domain: 'ex',
    input: ['a'],
    output: ['b'],
    node: [node('Erf', ['a'], ['e'], undefined, { name: 'erf' }), node('HalfOf', ['e'], ['b'], undefined, { name: 'half', domain: 'ex' })],
    opsetImport: [{ domain: '', version: 17 }, { domain: 'ex', version: 1 }],
  };
  const g = graph({
    name: 'calls',
    nodes: [node('ScaledGelu', ['x'], ['y'], undefined, { name: 'act', domain: 'ex' }), node('Relu', ['y'], ['z'], undefined, { name: 'relu' })],
    inputs: [valueInfo('x', F, [2])],
    outputs: [valueInfo('z', F, [2])],
  });
  return modelBytes(model(g, { opset: [{ domain: '', version: 17 }, { domain: 'ex', version: 1 }], functions: [scaledGelu, halfOf] }));
}

const UNARY = ['Sigmoid', 'Tanh', 'Neg', 'Abs', 'Relu', 'Softsign', 'Exp', 'Softplus'];

/**
 * A model of fan-outs: for each f in `fanOuts`, a stage `/stage<f>` that splits a [1, 24, 4]
 * value into f parts (one node, f output edges), applies Relu to each, concatenates them (f
 * edges in), and feeds the result to f unary ops (one value, f edges out) summed back into one.
 * Split sizes and a scale come from Constant nodes (one of them read by every stage), and a
 * last node sits alone in its scope `/out`, as exporters name `conv1` around one Conv.
 */
export function fanOutModel(fanOuts: readonly number[] = [3, 4, 5, 6, 7, 8]): ModelProto {
  const nodes = [node('Constant', [], ['scale'], { value: tensor('scale', F, [], [0.5]) }, { name: '/Constant' })];
  let current = 'x';
  for (const f of fanOuts) {
    const s = `/stage${f}`;
    const sizes = Array.from({ length: f }, (_, i) => Math.floor(24 / f) + (i < 24 % f ? 1 : 0));
    nodes.push(node('Constant', [], [`${s}/sizes`], { value: tensor(`${s}/sizes`, ElemType.INT64, [f], sizes) }, { name: `${s}/Constant` }));
    const parts = sizes.map((_, i) => `${s}/part${i}`);
    nodes.push(node('Split', [current, `${s}/sizes`], parts, { axis: 1 }, { name: `${s}/Split` }));
    const relus = parts.map((p, i) => {
      nodes.push(node('Relu', [p], [`${s}/relu${i}`], undefined, { name: `${s}/Relu_${i}` }));
      return `${s}/relu${i}`;
    });
    nodes.push(node('Concat', relus, [`${s}/cat`], { axis: 1 }, { name: `${s}/Concat` }));
    const branches = UNARY.slice(0, f).map((op, i) => {
      nodes.push(node(op, [`${s}/cat`], [`${s}/u${i}`], undefined, { name: `${s}/${op}` }));
      return `${s}/u${i}`;
    });
    nodes.push(node('Sum', branches, [`${s}/sum`], undefined, { name: `${s}/Sum` }));
    nodes.push(node('Mul', [`${s}/sum`, 'scale'], [`${s}/out`], undefined, { name: `${s}/Mul` }));
    current = `${s}/out`;
  }
  nodes.push(node('Identity', [current], ['y'], undefined, { name: '/out/Identity' }));
  const g = graph({
    name: 'fan_out',
    nodes,
    inputs: [valueInfo('x', F, [1, 24, 4])],
    outputs: [valueInfo('y', F, [1, 24, 4])],
  });
  return model(g, { opset: 17 });
}
