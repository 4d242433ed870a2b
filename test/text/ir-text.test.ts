import { describe, expect, it } from 'vitest';
import { node } from '../../shared/builder/index.js';
import { allGraphs, IrModel } from '../../shared/ir/model.js';
import { AttrType } from '../../shared/onnx/proto-types.js';
import { parseNodes } from '../../shared/text/parser.js';
import { printGraph, printModel, printNodes } from '../../shared/text/printer.js';
import { layersFor, transformerModel } from '../bench/bench-view-models.js';
import { ifModel } from './if-model.js';

// Printing from the IR: the line map (node id → lines, line → node), the text after an edit,
// a selection and a subgraph printed on their own.

describe('text of the IR', () => {
  it('maps every node, in every graph, to the lines that print it', () => {
    const ir = ifModel({ after: [node('Neg', ['y'], ['z'], undefined, { name: 'neg' })], output: 'z' });
    const printed = printModel(ir);
    const lines = printed.text.split('\n');
    for (const g of allGraphs(ir.graph)) {
      for (const n of g.nodes) {
        const span = printed.linesOf(n.id)!;
        expect(span.kind).toBe('node');
        expect(lines[span.startLine - 1]).toContain(`${n.outputs[0]} = ${n.opType} `);
        expect(printed.nodeAt(span.startLine)?.id).toBe(n.id);
      }
    }
    const ifNode = [...ir.graph.nodes].find((n) => n.opType === 'If')!;
    const ifSpan = printed.linesOf(ifNode.id)!;
    // The If takes its branches' lines; a line inside a branch belongs to the branch's node.
    expect(ifSpan.endLine - ifSpan.startLine).toBe(6);
    const inner = ifNode.subgraphs[0]!.graph;
    const add = [...inner.nodes].find((n) => n.opType === 'Add')!;
    expect(printed.nodeAt(printed.linesOf(add.id)!.startLine)?.id).toBe(add.id);
    expect(printed.linesOf(add.id)!.path).toBe('1/then_branch/1');
    expect(printed.nodeAt(ifSpan.endLine)?.id).toBe(ifNode.id);
  });

  it('prints the IR after an edit, and again after undo', () => {
    const ir = ifModel({ after: [node('Neg', ['y'], ['z'], undefined, { name: 'neg' })], output: 'z' });
    const neg = [...ir.graph.nodes].find((n) => n.opType === 'Neg')!;
    ir.journal.transaction('edit', () => ir.graph.setAttribute(neg, { name: 'note', type: AttrType.INT, i: 7 }));
    expect(printModel(ir).text).toContain('[neg] z = Neg <note: int = 7> (y)');
    ir.journal.undo();
    expect(printModel(ir).text).toContain('[neg] z = Neg (y)');
  });

  it('prints a subgraph as the IR holds it after an edit inside it, not as the file had it', () => {
    const ir = ifModel({ after: [node('Neg', ['y'], ['z'], undefined, { name: 'neg' })], output: 'z' });
    const then = [...ir.graph.nodes].find((n) => n.opType === 'If')!.subgraphs[0]!.graph;
    const add = [...then.nodes].find((n) => n.opType === 'Add')!;
    ir.journal.transaction('rename', () => then.rename(add, 'renamed_add'));
    const text = printModel(ir).text;
    expect(text).toContain('      [renamed_add] then_out = Add (x, then_c)');
    expect(text).not.toContain('then_add');
  });

  it('prints a selection, from any graph of the model, and reads it back', () => {
    const ir = ifModel({ after: [node('Neg', ['y'], ['z'], undefined, { name: 'neg' })], output: 'z' });
    const relu = [...ir.graph.nodes].find((n) => n.opType === 'Relu')!;
    const inner = [...ir.graph.nodes].find((n) => n.opType === 'If')!.subgraphs[1]!.graph;
    const add = [...inner.nodes].find((n) => n.opType === 'Add')!;
    const printed = printNodes(ir, [add.id, relu.id]);
    expect(printed.text).toBe('[relu] x = Relu (x0)\n[else_add] else_out = Add (x, else_c)\n');
    expect(printed.spans.map((s) => [s.id, s.startLine])).toEqual([
      [relu.id, 1],
      [add.id, 2],
    ]);
    const back = parseNodes(printed.text);
    expect(back.ok && back.value.map((n) => n.opType)).toEqual(['Relu', 'Add']);
  });

  it('prints a subgraph alone', () => {
    const ir = ifModel({ after: [node('Neg', ['y'], ['z'], undefined, { name: 'neg' })], output: 'z' });
    const then = [...ir.graph.nodes].find((n) => n.opType === 'If')!.subgraphs[0]!.graph;
    const printed = printGraph(then);
    expect(printed.text.split('\n')[0]).toBe('then () => (float[1] then_out) {');
    expect(printed.text).not.toContain('Relu');
    expect(printed.spans.filter((s) => s.kind === 'node').map((s) => s.id)).toEqual([...then.nodes].map((n) => n.id));
  });

  it("prints a selection of a 15,000-node graph without the rest of it", () => {
    const ir = new IrModel(transformerModel({ layers: layersFor(15_000), kind: 'decoder' }));
    const nodes = [...ir.graph.nodes];
    const ids = nodes.slice(7000, 7010).map((n) => n.id);
    const printed = printNodes(ir.graph, ids);
    expect(printed.text.trimEnd().split('\n')).toHaveLength(10);
    expect(printed.spans.map((s) => s.id)).toEqual(ids);
  });
});
