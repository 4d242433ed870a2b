import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { ElemType, graph, model, node, scalar, tensor, valueInfo } from '../../../shared/builder/index.js';
import { IrModel } from '../../../shared/ir/model.js';
import type { NodeProto, TensorProto, ValueInfoProto } from '../../../shared/onnx/proto-types.js';
import { ORT_FUSIONS } from '../../../shared/passes/fusion/ort-index.js';
import { ortFuseQuickGelu } from '../../../shared/passes/fusion/ort-quick-gelu.js';
import { runPasses } from '../../../shared/rewrite/pass-manager.js';
import { inferTypes } from '../../../shared/rewrite/shape-facts.js';
import { mulberry32 } from '../../../shared/verify/prng.js';
import { expectClose, outputs } from '../../helpers/ort-compare.js';

ort.env.logLevel = 'error';
const F = ElemType.FLOAT;
const C = 4;
const SHAPE = [1, C, 6, 6];

interface Options {
  /** The Mul's second operand: the Sigmoid's input (SiLU) or another value. */
  other?: boolean;
  /** The Sigmoid's output is also a graph output. */
  sigmoidRead?: boolean;
  /** Sigmoid(α·x) with this α (a scalar initializer). */
  alpha?: number;
  elemType?: number;
}

/** x → Conv 3×3 → SiLU (c · Sigmoid(c)) → Conv 1×1 → SiLU → y: two EfficientNet-style activations. */
function block(o: Options = {}): IrModel {
  const t = o.elemType ?? F;
  const rand = mulberry32(5);
  const values = (n: number) => Array.from({ length: n }, () => rand() - 0.5);
  const inputs: ValueInfoProto[] = [valueInfo('x', t, SHAPE)];
  const inits: TensorProto[] = [tensor('w1', t, [C, C, 3, 3], values(C * C * 9)), tensor('w2', t, [C, C, 1, 1], values(C * C))];
  const nodes: NodeProto[] = [];
  const outs: ValueInfoProto[] = [valueInfo('y', t, SHAPE)];
  const silu = (input: string, i: number, output: string) => {
    let arg = input;
    if (o.alpha !== undefined) {
      if (i === 1) inits.push(scalar('alpha', t, o.alpha));
      nodes.push(node('Mul', ['alpha', input], [`scaled${i}`]));
      arg = `scaled${i}`;
    }
    nodes.push(node('Sigmoid', [arg], [`sig${i}`], {}, { name: `sigmoid${i}` }));
    nodes.push(node('Mul', [`sig${i}`, o.other ? 'z' : input], [output], {}, { name: `swish${i}` }));
  };
  if (o.other) inputs.push(valueInfo('z', t, SHAPE));
  nodes.push(node('Conv', ['x', 'w1'], ['c1'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, { name: 'conv1' }));
  silu('c1', 1, 'a1');
  nodes.push(node('Conv', ['a1', 'w2'], ['c2'], { kernel_shape: [1, 1] }, { name: 'conv2' }));
  silu('c2', 2, 'y');
  if (o.sigmoidRead) outs.push(valueInfo('sig1', t, SHAPE));
  return new IrModel(model(graph({ nodes, inputs, outputs: outs, initializers: inits }), { opset: 17 }));
}

function feedsFor(m: IrModel): Record<string, ort.Tensor> {
  const rand = mulberry32(9);
  return Object.fromEntries(
    m.graph.inputs.map((vi) => [vi.name!, new ort.Tensor('float32', Float32Array.from({ length: C * 36 }, () => rand() * 8 - 4), SHAPE)]),
  );
}

// Sorted: rewritten nodes join the graph's list at its end.
const ops = (m: IrModel) => [...m.graph.nodes].map((n) => `${n.domain ? `${n.domain}:` : ''}${n.opType}`).sort();
const alphaOf = (m: IrModel) => [...m.graph.nodes].filter((n) => n.opType === 'QuickGelu').map((n) => n.attributes.find((a) => a.name === 'alpha')?.f);

async function fuseAndCompare(m: IrModel, passes = [ortFuseQuickGelu]): Promise<number> {
  const feeds = feedsFor(m);
  const before = await outputs(m, feeds);
  const r = await runPasses(m, passes, { target: 'onnxruntime', inferTypes });
  // onnxruntime's optimizer off (the fused kernel itself) and on (its passes keep it).
  for (const level of ['disabled', 'all'] as const) {
    const after = await outputs(m, feeds, level);
    for (const name of Object.keys(before)) expectClose(after[name]!, before[name]!);
  }
  return r.passes.reduce((n, p) => n + p.matches, 0);
}

describe('ort-fuse-quick-gelu', () => {
  it('fuses x · Sigmoid(x) after each Conv into QuickGelu with alpha 1, keeping the Mul name', async () => {
    const m = block();
    expect(await fuseAndCompare(m)).toBe(2);
    expect(ops(m)).toEqual(['Conv', 'Conv', 'com.microsoft:QuickGelu', 'com.microsoft:QuickGelu']);
    expect(alphaOf(m)).toEqual([1, 1]);
    expect([...m.graph.nodes].map((n) => n.name)).toContain('swish1');
  });

  it('fuses the scaled form x · Sigmoid(α·x) with that alpha', async () => {
    const m = block({ alpha: 1.702 });
    expect(await fuseAndCompare(m)).toBe(2);
    expect(ops(m)).toEqual(['Conv', 'Conv', 'com.microsoft:QuickGelu', 'com.microsoft:QuickGelu']);
    expect(alphaOf(m).map((a) => Math.round(a! * 1000))).toEqual([1702, 1702]);
  });

  it('runs in the onnxruntime fusions without FusedConv taking the Conv of a SiLU', async () => {
    const m = block();
    await fuseAndCompare(m, [...ORT_FUSIONS]);
    expect(ops(m)).toEqual(['Conv', 'Conv', 'com.microsoft:QuickGelu', 'com.microsoft:QuickGelu']);
  });

  it('leaves a Mul by another value, a Sigmoid read elsewhere, and float64', async () => {
    const other = block({ other: true });
    expect(await fuseAndCompare(other)).toBe(0);
    expect(ops(other)).toEqual(['Conv', 'Conv', 'Mul', 'Mul', 'Sigmoid', 'Sigmoid']);
    // The first Sigmoid is a graph output: fusing would compute it twice; the second SiLU fuses.
    const read = block({ sigmoidRead: true });
    expect(await fuseAndCompare(read)).toBe(1);
    expect(ops(read)).toEqual(['Conv', 'Conv', 'Mul', 'Sigmoid', 'com.microsoft:QuickGelu']);
    // onnxruntime's CPU provider has QuickGelu for float32 only.
    const double = block({ elemType: ElemType.DOUBLE });
    expect((await runPasses(double, [ortFuseQuickGelu], { target: 'onnxruntime', inferTypes })).passes[0]!.matches).toBe(0);
  });

  it('is skipped for the portable target', async () => {
    const r = await runPasses(block(), [ortFuseQuickGelu], { target: 'portable', inferTypes });
    expect(r.passes[0]!.skipped).toMatch(/onnxruntime/);
  });
});
