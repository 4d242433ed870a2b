import { describe, expect, it } from 'vitest';
import { node } from '../../shared/builder/index.js';
import type { Graph } from '../../shared/ir/graph.js';
import { IrModel } from '../../shared/ir/model.js';
import { applySelectionText, applySubgraphText } from '../../shared/text/apply-part-text.js';
import { printGraph, printModel, printNodes } from '../../shared/text/printer.js';
import { ifModel } from './if-model.js';

// The text of an If branch or of selected nodes, edited and applied in place: one journal step
// each (undo gives the model's text back), the rest of the model unchanged; errors at their
// place in the part's text; a selection must keep producing the values that leave it.

const branchOf = (ir: IrModel, attr: string): Graph => [...ir.graph.nodes].find((n) => n.opType === 'If')!.subgraphs.find((s) => s.attribute === attr)!.graph;
const idsOf = (ir: IrModel, ...names: string[]) => [...ir.graph.nodes].filter((n) => names.includes(n.name)).map((n) => n.id);

describe('applying the text of an If branch', () => {
  it('replaces that body only, as one step; undo restores the model', () => {
    const ir = ifModel({ ifOut: 'y0', after: [node('Add', ['y0', 'x'], ['s'], undefined, { name: 'sum' }), node('Sigmoid', ['s'], ['y'], undefined, { name: 'sig' })], output: 'y', opset: 17 });
    const whole = printModel(ir).text;
    const body = printGraph(branchOf(ir, 'then_branch')).text;
    expect(body).toContain('[then_add] then_out = Add (x, then_c)');
    const r = applySubgraphText(ir, branchOf(ir, 'then_branch'), body.replace('[then_add] then_out = Add (x, then_c)', '[then_add] then_out = Mul (x, then_c)'));
    expect(r).toMatchObject({ ok: true, edit: { changed: 1 } });
    expect(ir.journal.state).toBe(1);
    expect(printModel(ir).text).toBe(whole.replace('[then_add] then_out = Add (x, then_c)', '[then_add] then_out = Mul (x, then_c)'));
    ir.journal.undo();
    expect(printModel(ir).text).toBe(whole);
  });

  it('takes a body text that ends in a comment', () => {
    const ir = ifModel({ ifOut: 'y0', after: [node('Add', ['y0', 'x'], ['s'], undefined, { name: 'sum' }), node('Sigmoid', ['s'], ['y'], undefined, { name: 'sig' })], output: 'y', opset: 17 });
    const body = printGraph(branchOf(ir, 'then_branch')).text;
    const r = applySubgraphText(ir, branchOf(ir, 'then_branch'), `${body.replace('= Add (x, then_c)', '= Sub (x, then_c)').trimEnd()} # subtracts now\n`);
    expect(r).toMatchObject({ ok: true, edit: { changed: 1 } });
    expect(printModel(ir).text).toContain('[then_add] then_out = Sub (x, then_c)');
    expect(printModel(ir).text).toContain('[else_add] else_out = Add (x, else_c)');
  });

  it('places an error at its line and column in the body’s text, the model unchanged', () => {
    const ir = ifModel({ ifOut: 'y0', after: [node('Add', ['y0', 'x'], ['s'], undefined, { name: 'sum' }), node('Sigmoid', ['s'], ['y'], undefined, { name: 'sig' })], output: 'y', opset: 17 });
    const whole = printModel(ir).text;
    const body = printGraph(branchOf(ir, 'else_branch')).text;
    const edited = body.replace('(x, else_c)', '(x, nowhere)');
    const r = applySubgraphText(ir, branchOf(ir, 'else_branch'), edited);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const e = r.errors[0]!;
    const line = edited.split('\n')[e.line - 1]!;
    expect(line.slice(e.column - 1)).toMatch(/^nowhere\)/);
    // A schema problem inside the body, also on its line: Gelu comes in opset 20, the model has 17.
    const bad = body.replace('[else_add] else_out = Add (x, else_c)', '[else_add] else_out = Gelu (x)');
    const g = applySubgraphText(ir, branchOf(ir, 'else_branch'), bad);
    expect(g.ok ? '' : g.errors[0]!.message).toContain('Gelu is not in opset 17');
    if (!g.ok) expect(bad.split('\n')[g.errors[0]!.line - 1]!.slice(g.errors[0]!.column - 1)).toMatch(/^Gelu \(x\)/);
    // A syntax error is the body's own.
    const s = applySubgraphText(ir, branchOf(ir, 'else_branch'), body.replace('= Add (x, else_c)', '= Add (x, else_c'));
    expect(s.ok ? undefined : s.errors[0]!.message).toMatch(/expected/);
    expect(ir.journal.state).toBe(0);
    expect(printModel(ir).text).toBe(whole);
  });
});

describe('applying the text of a selection', () => {
  it('replaces the selected nodes in place as one step; undo restores them', () => {
    const ir = ifModel({ ifOut: 'y0', after: [node('Add', ['y0', 'x'], ['s'], undefined, { name: 'sum' }), node('Sigmoid', ['s'], ['y'], undefined, { name: 'sig' })], output: 'y', opset: 17 });
    const whole = printModel(ir).text;
    const ids = idsOf(ir, 'sum', 'sig');
    const text = printNodes(ir.graph, ids).text;
    expect(text).toBe('[sum] s = Add (y0, x)\n[sig] y = Sigmoid (s)\n');
    const r = applySelectionText(ir, ir.graph, ids, '[sum] s = Mul (y0, x)\n[sig] y = Tanh (s)\n');
    expect(r).toMatchObject({ ok: true, edit: { changed: 2 } });
    expect(printModel(ir).text).toBe(whole.replace('[sum] s = Add (y0, x)', '[sum] s = Mul (y0, x)').replace('[sig] y = Sigmoid (s)', '[sig] y = Tanh (s)'));
    ir.journal.undo();
    expect(printModel(ir).text).toBe(whole);
  });

  it('may fold nodes into fewer while the values that leave keep their names', () => {
    const ir = ifModel({ ifOut: 'y0', after: [node('Add', ['y0', 'x'], ['s'], undefined, { name: 'sum' }), node('Sigmoid', ['s'], ['y'], undefined, { name: 'sig' })], output: 'y', opset: 17 });
    const ids = idsOf(ir, 'sum', 'sig');
    const r = applySelectionText(ir, ir.graph, ids, '[sig] y = Sum (y0, x)\n');
    expect(r).toMatchObject({ ok: true, edit: { removed: 1 } });
    expect([...ir.graph.nodes].map((n) => n.opType)).toEqual(['Relu', 'If', 'Sum']);
  });

  it('replaces selected nodes inside an If branch', () => {
    const ir = ifModel({ ifOut: 'y0', after: [node('Add', ['y0', 'x'], ['s'], undefined, { name: 'sum' }), node('Sigmoid', ['s'], ['y'], undefined, { name: 'sig' })], output: 'y', opset: 17 });
    const whole = printModel(ir).text;
    const then = branchOf(ir, 'then_branch');
    const ids = [...then.nodes].filter((n) => n.name === 'then_add').map((n) => n.id);
    expect(printNodes(then, ids).text).toBe('[then_add] then_out = Add (x, then_c)\n');
    const r = applySelectionText(ir, then, ids, '[then_add] then_out = Max (x, then_c)\n');
    expect(r).toMatchObject({ ok: true, edit: { changed: 1 } });
    expect(printModel(ir).text).toBe(whole.replace('[then_add] then_out = Add (x, then_c)', '[then_add] then_out = Max (x, then_c)'));
  });

  it('refuses a renamed value that leaves the selection, and an input name that does not resolve', () => {
    const ir = ifModel({ ifOut: 'y0', after: [node('Add', ['y0', 'x'], ['s'], undefined, { name: 'sum' }), node('Sigmoid', ['s'], ['y'], undefined, { name: 'sig' })], output: 'y', opset: 17 });
    const whole = printModel(ir).text;
    const ids = idsOf(ir, 'relu');
    const renamed = applySelectionText(ir, ir.graph, ids, '[relu] r = Relu (x0)\n');
    expect(renamed.ok ? '' : renamed.errors[0]!.message).toBe('value "x" is read outside the selection: the edited nodes must still produce it under that name');
    const dangling = applySelectionText(ir, ir.graph, ids, '[relu] x = Relu (x9)\n');
    expect(dangling.ok ? undefined : dangling.errors[0]).toMatchObject({ line: 1, column: 18 });
    expect(ir.journal.state).toBe(0);
    expect(printModel(ir).text).toBe(whole);
  });
});
