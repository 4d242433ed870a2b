import { describe, expect, it } from 'vitest';
import { ElemType, graph, node, valueInfo } from '../../shared/builder/index.js';
import type { GraphProto, NodeProto } from '../../shared/onnx/proto-types.js';
import { correspond } from '../../shared/profile/graph-correspondence.js';
import { indexGraph } from '../../shared/profile/graph-index.js';
import { ORIGINS_KEY } from '../../shared/profile/provenance.js';
import { decodeModel } from '../../shared/onnx/model-codec.js';
import { convNet } from './fixtures.js';

// Derived graphs written the way onnxruntime writes its optimized graph (NCHWc kernels named
// `<value>_nchwc`, reorders with new value names) or the way our optimizer writes (provenance).

const NCHWC = 'com.microsoft.nchwc';
const original = () => indexGraph(decodeModel(convNet()).graph!);

function derived(nodes: NodeProto[]): GraphProto {
  return graph({ nodes, inputs: [valueInfo('x', ElemType.FLOAT, ['batch', 8, 16, 16])], outputs: [valueInfo('prob', ElemType.FLOAT, ['batch', 10])] });
}

function groups(g: GraphProto, options = {}): Record<string, string> {
  const G = original();
  const H = indexGraph(g);
  const c = correspond(G, H, options);
  return Object.fromEntries(H.nodes.map((n) => [n.name, `${c.groups[n.id]!.original.map((id) => G.nodes[id]!.name).join(',')} [${c.groups[n.id]!.via}]`]));
}

const tail = [
  node('GlobalAveragePool', ['r2'], ['p'], {}, { name: 'pool' }),
  node('Flatten', ['p'], ['f'], { axis: 1 }, { name: 'flatten' }),
  node('Gemm', ['f', 'wf', 'bf'], ['logits'], { transB: 1 }, { name: 'fc' }),
  node('Softmax', ['logits'], ['prob'], { axis: 1 }, { name: 'softmax' }),
];

describe('matching a derived graph to the original', () => {
  it('ties renamed NCHWc kernels to the nodes they fuse, and reorders to the value they convert', () => {
    const g = derived([
      node('ReorderInput', ['x'], ['rt0'], {}, { name: 'ReorderInput', domain: NCHWC }),
      node('Conv', ['rt0', 'w1f', 'b1f'], ['rt1'], { activation: 'Relu' }, { name: 'r1_nchwc', domain: NCHWC }),
      node('Conv', ['rt1', 'w2', 'b2', 'rt1'], ['rt2'], { activation: 'Relu' }, { name: 'c2_nchwc', domain: NCHWC }),
      node('ReorderOutput', ['rt2'], ['r2'], {}, { name: 'ReorderOutput_token_3', domain: NCHWC }),
      ...tail,
    ]);
    expect(groups(g)).toEqual({
      ReorderInput: 'conv1 [adjacent]',
      r1_nchwc: 'conv1,bn1,relu1 [structure]',
      c2_nchwc: 'conv2,add2,relu2 [structure]',
      ReorderOutput_token_3: 'relu2 [adjacent]',
      pool: 'pool [name]',
      flatten: 'flatten [name]',
      fc: 'fc [name]',
      softmax: 'softmax [name]',
    });
  });

  it('gives an Add and Relu fused into a convolution to that convolution, not to the kernel after it', () => {
    // c2_nchwc is named after the convolution's own output: its group would end at c2, and the
    // next kernel's backward walk would take add2 and relu2, reading r1, which it does not read.
    const g = derived([
      node('ReorderInput', ['x'], ['rt0'], {}, { name: 'ReorderInput', domain: NCHWC }),
      node('Conv', ['rt0', 'w1f', 'b1f'], ['rt1'], {}, { name: 'r1_nchwc', domain: NCHWC }),
      node('Conv', ['rt1', 'w2', 'b2', 'rt1'], ['rt2'], {}, { name: 'c2_nchwc', domain: NCHWC }),
      node('GlobalAveragePool', ['rt2'], ['rt3'], {}, { name: 'p_nchwc', domain: NCHWC }),
      node('ReorderOutput', ['rt3'], ['p'], {}, { name: 'ReorderOutput', domain: NCHWC }),
      ...tail.slice(1),
    ]);
    const got = groups(g);
    expect(got.c2_nchwc).toBe('conv2,add2,relu2 [structure]');
    expect(got.p_nchwc).toBe('pool [structure]');
  });

  it('puts a fusion with a new operator and name together from the values around it', () => {
    const g = derived([
      node('FusedConvNet', ['x', 'w1', 'b1', 'w2', 'b2'], ['r2'], {}, { name: 'whole/SomethingFusion/', domain: 'com.example' }),
      ...tail,
    ]);
    expect(groups(g)['whole/SomethingFusion/']).toBe('conv1,bn1,relu1,conv2,add2,relu2 [values]');
  });

  it('reads our optimizer\'s provenance first', () => {
    const conv = node('Conv', ['x', 'w1f', 'b1f'], ['n1'], {}, { name: 'conv1' });
    conv.metadataProps = [{ key: ORIGINS_KEY, value: JSON.stringify(['conv1', 'bn1']) }];
    const g = derived([conv, node('Relu', ['n1'], ['r1'], {}, { name: 'relu1' }), node('Conv', ['r1', 'w2', 'b2'], ['c2'], {}, { name: 'conv2' }), node('Add', ['c2', 'r1'], ['s2'], {}, { name: 'add2' }), node('Relu', ['s2'], ['r2'], {}, { name: 'relu2' }), ...tail]);
    const G = original();
    const c = correspond(G, indexGraph(g), { provenance: true });
    expect(c.groups[0]).toEqual({ original: [0, 1], via: 'provenance' });
    expect(c.unmatchedOriginal).toEqual([]);
    // Without provenance the same node is still matched, by its name and values.
    expect(groups(g).conv1).toBe('conv1,bn1 [name]');
  });
});
