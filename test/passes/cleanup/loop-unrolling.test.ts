import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { toOrtTensor } from '../../../electron/runtime/ort-tensors.js';
import { attrGraph, ElemType, graph, model, node, tensor, valueInfo } from '../../../shared/builder/index.js';
import { IrModel } from '../../../shared/ir/model.js';
import { validateGraph } from '../../../shared/ir/validate.js';
import { decodeModel } from '../../../shared/onnx/model-codec.js';
import type { ModelProto, NodeProto, TensorProto } from '../../../shared/onnx/proto-types.js';
import { loopUnrolling, MAX_TRIPS, MAX_UNROLLED_NODES } from '../../../shared/passes/cleanup/loop-unrolling.js';
import { runPasses } from '../../../shared/rewrite/pass-manager.js';
import { inferTypes } from '../../../shared/rewrite/shape-facts.js';
import { compareTensor, decodePbValue, listCases, readBytes, runtimeInputs, type ConformanceCase } from '../../conformance/conformance-data.js';
import { tensorNumbers } from '../fusion/fusion-harness.js';
import { bytesOf, opsOf, optimizeAndCompare } from './harness.js';

const F = ElemType.FLOAT;
const I64 = ElemType.INT64;
const BOOL = ElemType.BOOL;

interface LoopOptions {
  trips?: number;
  /** The trip count is a graph input instead of an initializer. */
  dynamicTrips?: boolean;
  /** The condition input: absent, or an initializer with this value. */
  cond?: boolean;
  /** How the body computes its condition output: Identity of its input, a Constant true, or i < 3. */
  condOut?: 'identity' | 'constant' | 'computed';
  /** Extra body nodes and the value the carried output takes instead of acc_out. */
  extra?: { nodes: NodeProto[]; accOut: string };
}

/**
 * acc, stacked = Loop(trips, cond, acc0) { acc = acc + x · float(i) · w; stacked += acc · x },
 * with x and w read from the outer scope: a carried value, a scan output, the iteration number.
 */
function loopModel(o: LoopOptions = {}): ModelProto {
  const condOut: NodeProto[] = {
    identity: [node('Identity', ['c_in'], ['c_out'])],
    constant: [node('Constant', [], ['c_out'], { value: tensor('t', BOOL, [], [true]) })],
    computed: [node('Less', ['i', 'three'], ['c_out'])],
  }[o.condOut ?? 'identity'];
  const body = graph({
    name: 'body',
    nodes: [
      ...condOut,
      node('Cast', ['i'], ['fi'], { to: F }, { name: 'cast' }),
      node('Mul', ['x', 'fi'], ['xi'], {}, { name: 'scale' }),
      node('Mul', ['xi', 'w'], ['xiw']),
      node('Add', ['acc_in', 'xiw'], ['acc_out'], {}, { name: 'accumulate' }),
      ...(o.extra?.nodes ?? []),
      node('Mul', [o.extra?.accOut ?? 'acc_out', 'x'], ['el']),
    ],
    inputs: [valueInfo('i', I64, []), valueInfo('c_in', BOOL, []), valueInfo('acc_in', F, [2, 3])],
    outputs: [valueInfo('c_out', BOOL, []), valueInfo(o.extra?.accOut ?? 'acc_out', F, [2, 3]), valueInfo('el', F, [2, 3])],
    initializers: o.condOut === 'computed' ? [tensor('three', I64, [], [3])] : [],
  });
  const inits: TensorProto[] = [tensor('w', F, [3], [0.5, -1, 2])];
  const inputs = [valueInfo('x', F, [2, 3]), valueInfo('acc0', F, [2, 3])];
  if (o.dynamicTrips) inputs.push(valueInfo('trips', I64, []));
  else inits.push(tensor('trips', I64, [], [o.trips ?? 5]));
  if (o.cond !== undefined) inits.push(tensor('cond', BOOL, [], [o.cond]));
  return model(
    graph({
      nodes: [node('Loop', ['trips', o.cond !== undefined ? 'cond' : '', 'acc0'], ['acc', 'stacked'], { body: attrGraph(body) }, { name: 'loop' }), node('Relu', ['acc'], ['y'])],
      inputs,
      outputs: [valueInfo('y', F), valueInfo('stacked', F)],
      initializers: inits,
    }),
    { opset: 17 },
  );
}

interface ScanOptions {
  inputAxes?: number[];
  inputDirections?: number[];
  outputAxes?: number[];
  outputDirections?: number[];
  /** x's declared shape (the scan runs along inputAxes[0]). */
  xShape?: (number | string)[];
}

/** sum, ys = Scan(sum0, x, z) { sum = sum + x_t · z_t; y = sum · 2 }: one state, two scan inputs, one scan output. */
function scanModel(o: ScanOptions = {}): ModelProto {
  const xShape = o.xShape ?? [4, 3];
  const body = graph({
    name: 'body',
    nodes: [node('Mul', ['x_t', 'z_t'], ['p']), node('Add', ['sum_in', 'p'], ['sum_out']), node('Mul', ['sum_out', 'two'], ['y_t'])],
    inputs: [valueInfo('sum_in', F, [3]), valueInfo('x_t', F, [3]), valueInfo('z_t', F, [3])],
    outputs: [valueInfo('sum_out', F, [3]), valueInfo('y_t', F, [3])],
    initializers: [tensor('two', F, [], [2])],
  });
  const attrs: Record<string, unknown> = { body: attrGraph(body), num_scan_inputs: 2 };
  if (o.inputAxes) attrs.scan_input_axes = o.inputAxes;
  if (o.inputDirections) attrs.scan_input_directions = o.inputDirections;
  if (o.outputAxes) attrs.scan_output_axes = o.outputAxes;
  if (o.outputDirections) attrs.scan_output_directions = o.outputDirections;
  return model(
    graph({
      nodes: [node('Scan', ['sum0', 'x', 'z'], ['sum', 'ys'], attrs as never, { name: 'scan' })],
      inputs: [valueInfo('sum0', F, [3]), valueInfo('x', F, xShape), valueInfo('z', F, xShape)],
      outputs: [valueInfo('sum', F), valueInfo('ys', F)],
    }),
    { opset: 17 },
  );
}

const count = (m: IrModel, op: string) => opsOf(m).filter((o) => o === op).length;

describe('loop-unrolling: Loop', () => {
  it('unrolls a Loop with a carried value, a scan output, the iteration number and outer reads; outputs bit-identical', async () => {
    const { model: m, matches } = await optimizeAndCompare(loopModel(), [loopUnrolling], { inferTypes });
    expect(matches).toBe(1);
    expect(count(m, 'Loop')).toBe(0);
    // Five copies of the four body nodes that compute (the condition's Identity is unread).
    for (const op of ['Cast', 'Add']) expect(count(m, op)).toBe(5);
    expect(count(m, 'Unsqueeze')).toBe(5);
    expect(count(m, 'Concat')).toBe(1);
    // The iteration numbers are constants, one per iteration; the outer x is read as it is.
    const casts = [...m.graph.nodes].filter((n) => n.opType === 'Cast');
    expect(casts.map((n) => tensorNumbers(m.graph.initializers.get(n.inputs[0]!)!))).toEqual([[0], [1], [2], [3], [4]]);
    expect([...m.graph.nodes].filter((n) => n.name.endsWith('/scale')).every((n) => n.inputs[0] === 'x')).toBe(true);
    expect(m.graph.producer('stacked')?.opType).toBe('Concat');
    expect(() => validateGraph(m.graph)).not.toThrow();
  });

  it('unrolls with a constant true condition input and a Constant true condition output, and a single iteration', async () => {
    expect((await optimizeAndCompare(loopModel({ cond: true, condOut: 'constant' }), [loopUnrolling], { inferTypes })).matches).toBe(1);
    const { model: one, matches } = await optimizeAndCompare(loopModel({ trips: 1 }), [loopUnrolling], { inferTypes });
    expect(matches).toBe(1);
    expect(one.graph.producer('stacked')?.opType).toBe('Unsqueeze');
  });

  it('unrolls a body holding an If that reads the iteration number and a carried value', async () => {
    const branch = (op: string) => graph({ name: op, nodes: [node(op, ['acc_out'], [`${op}_o`])], outputs: [valueInfo(`${op}_o`, F, [2, 3])] });
    const extra = {
      nodes: [
        node('Constant', [], ['two_i'], { value: tensor('v', I64, [], [2]) }),
        node('Less', ['i', 'two_i'], ['early']),
        node('If', ['early'], ['picked'], { then_branch: attrGraph(branch('Neg')), else_branch: attrGraph(branch('Sin')) }),
      ],
      accOut: 'picked',
    };
    const { model: m, matches } = await optimizeAndCompare(loopModel({ extra }), [loopUnrolling], { inferTypes });
    expect(matches).toBe(1);
    expect(count(m, 'If')).toBe(5);
    expect(() => validateGraph(m.graph)).not.toThrow();
  });

  it(`leaves a dynamic trip count, more than ${MAX_TRIPS} iterations, a condition computed in the body, and a false condition`, async () => {
    for (const o of [{ dynamicTrips: true }, { trips: MAX_TRIPS + 1 }, { condOut: 'computed' as const }, { cond: false }, { trips: 0 }]) {
      const { model: m, matches } = await optimizeAndCompare(loopModel(o), [loopUnrolling], { inferTypes });
      expect(matches, JSON.stringify(o)).toBe(0);
      expect(count(m, 'Loop')).toBe(1);
    }
  });

  it(`leaves a Loop whose copies would add more than ${MAX_UNROLLED_NODES} nodes`, async () => {
    // A body of 46 nodes: 40 iterations fit the budget, 50 do not.
    const chain = Array.from({ length: 40 }, (_, k) => node('Neg', [k ? `n${k - 1}` : 'acc_out'], [`n${k}`]));
    const extra = { nodes: chain, accOut: 'n39' };
    expect((await optimizeAndCompare(loopModel({ trips: 40, extra }), [loopUnrolling], { inferTypes })).matches).toBe(1);
    expect((await optimizeAndCompare(loopModel({ trips: 50, extra }), [loopUnrolling], { inferTypes })).matches).toBe(0);
  });

  it('leaves a Loop outside the selection', async () => {
    const m = new IrModel(loopModel());
    expect((await runPasses(m, [loopUnrolling], { target: 'portable', scope: [], inferTypes })).passes[0]!.matches).toBe(0);
  });
});

describe('loop-unrolling: Scan', () => {
  it('unrolls a forward Scan into Gathers, body copies and a stacked output; outputs bit-identical', async () => {
    const { model: m, matches } = await optimizeAndCompare(scanModel(), [loopUnrolling], { inferTypes });
    expect(matches).toBe(1);
    expect(count(m, 'Scan')).toBe(0);
    expect(count(m, 'Gather')).toBe(8);
    expect(count(m, 'Add')).toBe(4);
    expect(() => validateGraph(m.graph)).not.toThrow();
  });

  it('unrolls reversed inputs and outputs along other axes', async () => {
    const cases: ScanOptions[] = [
      { inputDirections: [1, 0], outputDirections: [1] },
      { inputAxes: [1, -1], xShape: [3, 5], outputAxes: [1] },
      { inputAxes: [1, 1], inputDirections: [0, 1], xShape: [3, 2], outputAxes: [-1], outputDirections: [1] },
    ];
    for (const o of cases) {
      const { model: m, matches } = await optimizeAndCompare(scanModel(o), [loopUnrolling], { inferTypes });
      expect(matches, JSON.stringify(o)).toBe(1);
      expect(count(m, 'Scan')).toBe(0);
    }
  });

  it('leaves a Scan whose length is not known', async () => {
    const { matches } = await optimizeAndCompare(scanModel({ xShape: ['n', 3] }), [loopUnrolling], { inferTypes });
    expect(matches).toBe(0);
  });
});


// The ONNX conformance models with a Loop or Scan: those that qualify are unrolled and must still
// give the reference outputs; the Loops take their trip count and condition as graph inputs, so
// they are refused as they are, and unrolled once those inputs are bound to the test's values.
describe('loop-unrolling on the conformance models', () => {
  const caseOf = (name: string) => listCases().find((c) => c.group === 'node' && c.name === name)!;
  const load = (c: ConformanceCase) => decodeModel(readBytes(c.modelPath));

  async function unrollAndCheck(c: ConformanceCase, proto: ModelProto, bound: readonly string[]): Promise<IrModel> {
    const inputs = runtimeInputs(load(c).graph!);
    const ds = c.dataSets[0]!;
    const feeds: Record<string, ort.Tensor> = {};
    ds.inputs.forEach((p, k) => {
      const v = decodePbValue(readBytes(p), inputs[k]!.type, p);
      if (v.kind === 'tensor' && !bound.includes(inputs[k]!.name!)) feeds[inputs[k]!.name!] = toOrtTensor(v.tensor);
    });
    const m = new IrModel(proto);
    expect((await runPasses(m, [loopUnrolling], { target: 'portable', inferTypes })).passes[0]!.matches).toBe(1);
    expect(opsOf(m).filter((o) => o === 'Loop' || o === 'Scan')).toEqual([]);
    const session = await ort.InferenceSession.create(bytesOf(m), { graphOptimizationLevel: 'disabled', logSeverityLevel: 3 });
    const out = await session.run(feeds);
    await session.release();
    const outputs = m.graph.outputs.map((o) => o.name!);
    ds.outputs.forEach((p, k) => {
      const ref = decodePbValue(readBytes(p), undefined, p);
      if (ref.kind !== 'tensor') throw new Error(`${p}: not a tensor`);
      expect(compareTensor(out[outputs[k]!]!, ref.tensor), `${c.name} ${outputs[k]}`).toBeUndefined();
    });
    return m;
  }

  it('unrolls test_scan9_sum and matches its reference outputs; leaves the Scan-8 of test_scan_sum', async () => {
    const scan9 = caseOf('test_scan9_sum');
    await unrollAndCheck(scan9, load(scan9), []);
    const m = new IrModel(load(caseOf('test_scan_sum')));
    expect((await runPasses(m, [loopUnrolling], { target: 'portable', inferTypes })).passes[0]!.matches).toBe(0);
  });

  it('leaves the Loops with a trip count input; unrolls test_loop11 once it is bound, matching the reference', async () => {
    for (const name of ['test_loop11', 'test_loop13_seq', 'test_loop16_seq_none']) {
      const m = new IrModel(load(caseOf(name)));
      expect((await runPasses(m, [loopUnrolling], { target: 'portable', inferTypes })).passes[0]!.matches, name).toBe(0);
    }
    const c = caseOf('test_loop11');
    const proto = load(c);
    const bound = ['trip_count', 'cond'];
    const g = proto.graph!;
    g.initializer = bound.map((name, k) => {
      const v = decodePbValue(readBytes(c.dataSets[0]!.inputs[k]!), g.input![k]!.type, name);
      if (v.kind !== 'tensor') throw new Error(name);
      return { ...v.tensor, name };
    });
    g.input = g.input!.filter((i) => !bound.includes(i.name!));
    const m = await unrollAndCheck(c, proto, bound);
    // One copy of the body's computing nodes per iteration (the trip count is 5).
    expect(opsOf(m).filter((o) => o === 'Slice')).toHaveLength(5);
  });
});
