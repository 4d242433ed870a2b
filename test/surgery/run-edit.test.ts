import { describe, expect, it } from 'vitest';
import { ElemType, graph, model, node, valueInfo } from '../../shared/builder/index.js';
import { runEdit } from '../../shared/surgery/run-edit.js';
import { expectRefused, load } from './helpers.js';

const F = ElemType.FLOAT;
const net = () =>
  load(
    model(
      graph({
        nodes: [node('Relu', ['x'], ['r'], {}, { name: 'relu' }), node('Transpose', ['r'], ['y'], { perm: [1, 0] }, { name: 'flip' }), node('Neg', ['z'], ['n'], {}, { name: 'neg' })],
        inputs: [valueInfo('x', F, [2, 3]), valueInfo('z', F, [1, 2, 3])],
        outputs: [valueInfo('y', F, [3, 2]), valueInfo('n', F, [1, 2, 3])],
      }),
    ),
  );

// The safety net under every edit: whatever an edit's own checks miss, the result is validated.
describe('runEdit', () => {
  it('rolls back an edit that leaves a value undefined, naming the reader', () => {
    const m = net();
    const relu = [...m.graph.nodes][0]!;
    expectRefused(
      m,
      () => runEdit(m, 'test', 'remove relu', () => (m.graph.removeNode(relu), 'removed')),
      /remove relu refused: it would leave an invalid model \(graph "main": node "flip" \(Transpose\) reads "r", which no node/,
    );
  });

  it('rolls back an edit after which shape inference fails at a node it accepted before', () => {
    const m = net();
    const flip = [...m.graph.nodes][1]!;
    // A rank-3 value into a Transpose whose perm has two entries.
    expectRefused(m, () => runEdit(m, 'test', 'rewire', () => (m.graph.setInput(flip, 0, 'n'), 'rewired')), /rewire refused: shape inference fails after it at "flip" \(Transpose\): perm has 2 entries for rank 3/);
    expect(flip.inputs).toEqual(['r']);
  });

  it('reports node counts and the journal state before, as one transaction', () => {
    const m = net();
    const r = runEdit(m, 'test', 'remove neg', () => {
      m.graph.setGraphOutputs([m.graph.outputs[0]!]);
      m.graph.removeNode([...m.graph.nodes][2]!);
      return 'removed';
    });
    expect(r).toMatchObject({ edit: 'test', summary: 'removed', nodesBefore: 3, nodesAfter: 2, stateBefore: 0 });
    expect(m.journal.history().map((t) => t.label)).toEqual(['remove neg']);
  });
});
