import { describe, expect, it } from 'vitest';
import { IrModel } from '../../shared/ir/model.js';
import { inferShapes } from '../../shared/shape/infer.js';
import { typeToString } from '../../shared/shape/types.js';
import { HIDDEN, NODES_PER_LAYER, transformerModel } from './transformer-model.js';

// Inference is one pass per graph: its time must grow linearly with the graph. Not a benchmark:
// the bound only catches quadratic work (10k nodes take well under a second when linear).

function timeInference(layers: number): { ms: number; nodes: number; model: IrModel } {
  const model = new IrModel(transformerModel(layers));
  const start = performance.now();
  const result = inferShapes(model);
  const ms = performance.now() - start;
  const out = model.graph.outputs[0]!.name!;
  expect(typeToString(result.typeOf(model.graph, out))).toBe(`float[batch,seq,${HIDDEN}]`);
  expect(result.unhandled).toEqual([]);
  expect(result.failures).toEqual([]);
  return { ms, nodes: model.graph.nodeCount, model };
}

describe('inference speed', () => {
  it('infers a 10k-node transformer-like graph in well under 5 s', () => {
    timeInference(10); // warm-up (JIT)
    const { ms, nodes } = timeInference(Math.ceil(10_000 / NODES_PER_LAYER));
    console.log(`shape inference: ${nodes} nodes in ${ms.toFixed(0)} ms`);
    expect(nodes).toBeGreaterThanOrEqual(10_000);
    expect(ms).toBeLessThan(5000);
  });
});
