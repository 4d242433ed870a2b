import { describe, expect, it } from 'vitest';
import { attrGraph, ElemType, graph, model, node, tensor, valueInfo } from '../../shared/builder/index.js';
import { IrModel } from '../../shared/ir/model.js';
import { printModel } from '../../shared/text/printer.js';
import { foldingRanges, nodeOnLine } from '../../renderer/text/onnx-language.js';
import { convBnReluModel } from '../service/conv-bn-model.js';

// The text editor's language helpers on printed models: the node a line writes (for hover) and
// the folding ranges (a graph body, an If node and each branch).

const F = ElemType.FLOAT;

function ifModel(): IrModel {
  const branch = (name: string, v: number) =>
    graph({
      name,
      nodes: [node('Constant', [], [`${name}_c`], { value: tensor('', F, [1], [v]) }), node('Add', ['x', `${name}_c`], [`${name}_out`], undefined, { name: `${name}_add` })],
      outputs: [valueInfo(`${name}_out`, F, [1])],
    });
  return new IrModel(
    model(
      graph({
        nodes: [node('Relu', ['x0'], ['x'], undefined, { name: 'relu' }), node('If', ['c'], ['y'], { then_branch: attrGraph(branch('then', 1)), else_branch: attrGraph(branch('else', 2)) }, { name: 'if' })],
        inputs: [valueInfo('x0', F, [1]), valueInfo('c', ElemType.BOOL, [])],
        outputs: [valueInfo('y', F, [1])],
      }),
    ),
  );
}

describe('ONNX text language helpers', () => {
  it('reads the node a printed line writes', () => {
    const text = printModel(convBnReluModel()).text;
    const conv = text.split('\n').find((l) => l.includes('= Conv'))!;
    expect(nodeOnLine(conv)).toEqual({ name: 'conv', outputs: ['c'], op: 'Conv', inputs: ['x', 'W', 'B'] });
    expect(nodeOnLine('   float[4] B = {1, 2}')).toBeUndefined();
  });

  it('folds the graph body, the If node and each branch, not the signature arrow', () => {
    const ir = ifModel();
    const printed = printModel(ir);
    const ranges = foldingRanges(printed.text);
    const ifNode = [...ir.graph.nodes].find((n) => n.opType === 'If')!;
    const span = printed.linesOf(ifNode.id)!;
    expect(span.endLine).toBeGreaterThan(span.startLine + 4);
    // The If's attributes open on its first line and close on its last.
    expect(ranges).toContainEqual({ start: span.startLine, end: span.endLine - 1 });
    // Each branch's body is a range inside the If's.
    const lines = printed.text.split('\n');
    for (const name of ['then_add', 'else_add']) {
      const at = lines.findIndex((l) => l.includes(`[${name}]`)) + 1;
      const own = ranges.filter((r) => r.start <= at && r.end >= at && !(r.start === span.startLine && r.end === span.endLine - 1) && r.start >= span.startLine);
      expect(own).toHaveLength(1);
    }
    // The main graph's body opens at the end of its signature (or on a line of its own after initializers).
    const body = lines.findIndex((l) => l === '{' || /^\S.*=> .*\{$/.test(l)) + 1;
    expect(body).toBeGreaterThan(0);
    expect(ranges.some((r) => r.start === body)).toBe(true);
  });
});
