// Small hand-checkable models for the pruning tests, built with the project's model builder.
// Each comes with the weights of its layers so that a test can build the reference it expects.

import { ElemType, graph, model, node, tensor, valueInfo } from '../../shared/builder/index.js';
import type { ModelProto, NodeProto, TensorProto } from '../../shared/onnx/proto-types.js';
import { mulberry32 } from '../../shared/verify/prng.js';

export class Toy {
  readonly nodes: NodeProto[] = [];
  readonly inits: TensorProto[] = [];
  private readonly rand = mulberry32(11);

  /** A seeded float initializer (values in [-1, 1) unless given). */
  w(name: string, dims: number[], values?: number[]): string {
    const n = dims.reduce((a, b) => a * b, 1);
    this.inits.push(tensor(name, ElemType.FLOAT, dims, values ?? Array.from({ length: n }, () => this.rand() * 2 - 1)));
    return name;
  }

  op(opType: string, inputs: string[], out: string, attrs?: Record<string, number | number[] | string>, name = out): string {
    this.nodes.push(node(opType, inputs, [out], attrs, { name }));
    return out;
  }

  conv(name: string, x: string, cin: number, cout: number, k = 3, extra: Record<string, number | number[]> = {}, bias = true): string {
    const p = (k - 1) / 2;
    const inputs = [x, this.w(`${name}.w`, [cout, cin, k, k])];
    if (bias) inputs.push(this.w(`${name}.b`, [cout]));
    return this.op('Conv', inputs, name, { kernel_shape: [k, k], pads: [p, p, p, p], ...extra });
  }

  model(inputs: [string, number[]][], outputs: string[]): ModelProto {
    return model(
      graph({ name: 'toy', nodes: this.nodes, inputs: inputs.map(([n, d]) => valueInfo(n, ElemType.FLOAT, d)), outputs: outputs.map((o) => valueInfo(o, ElemType.FLOAT)), initializers: this.inits }),
      { opset: 17 },
    );
  }
}

/** The initializer `name` of `m`, as numbers and dims. */
export function initOf(m: ModelProto, name: string): { dims: number[]; values: number[] } {
  const t = m.graph!.initializer!.find((i) => i.name === name)!;
  const dims = (t.dims ?? []).map(Number);
  const data = t.rawData ? new Float32Array(t.rawData.slice().buffer) : Float32Array.from(t.floatData?.values() ?? []);
  return { dims, values: [...data] };
}

/**
 * `m` with the slices `indices` along `axis` of initializer `name` set to zero: the original
 * model that a pruned one must equal, when those slices are the removed channels' only use.
 */
export function zeroSlices(m: ModelProto, name: string, axis: number, indices: number[]): ModelProto {
  const copy: ModelProto = structuredClone(m);
  const t = copy.graph!.initializer!.find((i) => i.name === name)!;
  const { dims, values } = initOf(m, name);
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const n = dims[axis]!;
  const out = Float32Array.from(values);
  for (let i = 0; i < out.length; i++) if (indices.includes(Math.floor(i / inner) % n)) out[i] = 0;
  t.rawData = new Uint8Array(out.buffer);
  return copy;
}
