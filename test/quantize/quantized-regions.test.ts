// The pays-off regions on a hand-made pair of graphs and profiles: each quantized region keeps
// its own kernels (a QDQ kernel that absorbed the QuantizeLinear of its input does not merge it
// with the region upstream), a kernel of a lone QuantizeLinear counts where its provenance says,
// and the figures add up by hand.

import { describe, expect, it } from 'vitest';
import { graph, node } from '../../shared/builder/index.js';
import type { NodeProto } from '../../shared/onnx/proto-types.js';
import { indexGraph } from '../../shared/profile/graph-index.js';
import { ORIGINS_KEY } from '../../shared/profile/provenance.js';
import type { NodeRecord } from '../../shared/profile/report-schema.js';
import { quantizedRegions } from '../../shared/quantize/quantized-regions.js';

const from = (n: NodeProto, origins: string[]): NodeProto => ({ ...n, metadataProps: [{ key: ORIGINS_KEY, value: JSON.stringify(origins) }] });
const kernel = (originalNodes: string[], typicalMs: number) => ({ originalNodes, typicalMs }) as unknown as NodeRecord;

describe('quantizedRegions', () => {
  // Float: c1 (Conv) → r1 (Relu) → c2 (Conv) → s (Softmax, left in float).
  const a = indexGraph(
    graph({
      nodes: [node('Conv', ['x', 'w1'], ['c'], {}, { name: 'c1' }), node('Relu', ['c'], ['r'], {}, { name: 'r1' }), node('Conv', ['r', 'w2'], ['y'], {}, { name: 'c2' }), node('Softmax', ['y'], ['p'], {}, { name: 's' })],
      inputs: ['x'],
      outputs: ['p'],
    }),
  );
  // Quantized: the Relu folded into c1 (which now writes r), Q/DQ pairs on x and r, weights through DQ.
  const b = indexGraph(
    graph({
      nodes: [
        from(node('QuantizeLinear', ['x', 'sx', 'zx'], ['xq'], {}, { name: 'x_QuantizeLinear' }), ['c1']),
        from(node('DequantizeLinear', ['xq', 'sx', 'zx'], ['xd'], {}, { name: 'x_DequantizeLinear' }), ['c1']),
        from(node('DequantizeLinear', ['w1q', 's1', 'z1'], ['w1d'], {}, { name: 'w1_DequantizeLinear' }), ['c1']),
        from(node('Conv', ['xd', 'w1d'], ['r'], {}, { name: 'c1' }), ['c1', 'r1']),
        from(node('QuantizeLinear', ['r', 'sr', 'zr'], ['rq'], {}, { name: 'r_QuantizeLinear' }), ['c1']),
        from(node('DequantizeLinear', ['rq', 'sr', 'zr'], ['rd'], {}, { name: 'r_DequantizeLinear' }), ['c1']),
        from(node('DequantizeLinear', ['w2q', 's2', 'z2'], ['w2d'], {}, { name: 'w2_DequantizeLinear' }), ['c2']),
        node('Conv', ['rd', 'w2d'], ['y'], {}, { name: 'c2' }),
        node('Softmax', ['y'], ['p'], {}, { name: 's' }),
      ],
      inputs: ['x'],
      outputs: ['p'],
    }),
  );

  it('gives each region its own kernels, and the lone QuantizeLinear to the Conv it feeds', () => {
    const aKernels = [kernel(['c1', 'r1'], 1.0), kernel(['c2'], 2.0), kernel(['s'], 0.25)];
    const bKernels = [
      kernel(['x_QuantizeLinear'], 0.3),
      kernel(['x_DequantizeLinear', 'c1', 'r_QuantizeLinear'], 0.4),
      // onnxruntime's QLinearConv for c2 takes in the DequantizeLinear of c1's output: still c2's time.
      kernel(['r_DequantizeLinear', 'c2'], 0.5),
      kernel(['s'], 0.3),
      kernel([], 0.1),
    ];
    const regions = quantizedRegions(a, b, aKernels, bKernels);
    expect(regions).toEqual([
      { node: 'c2', opType: 'Conv', beforeMs: 2.0, afterMs: 0.5, ratio: 0.25, floatNodes: ['c2'], quantizedNodes: ['c2'] },
      { node: 'c1', opType: 'Conv', beforeMs: 1.0, afterMs: 0.7, ratio: expect.closeTo(0.7, 12) as unknown as number, floatNodes: ['c1', 'r1'], quantizedNodes: ['c1'] },
    ]);
  });
});
