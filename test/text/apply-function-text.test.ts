import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { ElemType, graph, model, node, valueInfo } from '../../shared/builder/index.js';
import { IrModel } from '../../shared/ir/model.js';
import { decodeModel } from '../../shared/onnx/model-codec.js';
import type { FunctionProto } from '../../shared/onnx/proto-types.js';
import { applyFunctionText } from '../../shared/text/apply-part-text.js';
import { applyModelText } from '../../shared/text/apply-text.js';
import { printFunction, printModel } from '../../shared/text/printer.js';
import { expectClose, outputs } from '../helpers/ort-compare.js';
import { functionModelBytes } from '../renderer/test-models.js';

// Model-local functions edited from text: in the whole model's text or as one function's body
// (the Function view's text), applied as one journal step that undo takes back (the function
// list included); a body that does not hold, an op its opsets lack, an undeclared @reference, a
// second definition or a call that no longer fits its function is refused at its line, with the
// model unchanged.

const F = ElemType.FLOAT;

/** main: y = ex.ScaledGelu(x) → Relu; ScaledGelu calls ex.HalfOf (Constant 0.5, Mul). */
const calls = () => new IrModel(decodeModel(functionModelBytes()));
const fn = (ir: IrModel, name: string) => ir.meta.functions!.find((f) => f.name === name)!;

/** Applies `to` in place of `from` in the model's text; the errors (none when applied). */
function edit(ir: IrModel, from: string, to: string) {
  const before = printModel(ir).text;
  expect(before).toContain(from);
  const r = applyModelText(ir, before.replace(from, to));
  return r.ok ? [] : r.errors;
}

/** The 1-based line of the first line of `text` that contains `needle`, and the column it starts at. */
function whereIs(text: string, needle: string, after = ''): { line: number; column: number } {
  const lines = text.split('\n');
  const from = after ? lines.findIndex((l) => l.includes(after)) : 0;
  const i = lines.findIndex((l, k) => k >= from && l.includes(needle));
  return { line: i + 1, column: lines[i]!.indexOf(needle) + 1 };
}

describe('model-local functions applied from text', () => {
  it('applies an edited function body as one step; undo and redo swap the function list', () => {
    const ir = calls();
    const before = printModel(ir).text;
    const halfOf = fn(ir, 'HalfOf');
    // Metadata the text does not carry stays on the changed function.
    halfOf.metadataProps = [{ key: 'source', value: 'exporter' }];
    const scaledGelu = fn(ir, 'ScaledGelu');
    const state = ir.journal.state;
    const r = applyModelText(ir, before.replace('h = Mul (v, half)', 'h = Div (v, half)').replace('float half {0.5}', 'float half {2}'));
    expect(r).toMatchObject({ ok: true, edit: { added: 0, removed: 0, changed: 0, summary: 'local functions changed' } });
    expect(ir.journal.state).toBe(state + 1);
    expect(fn(ir, 'HalfOf').node!.map((n) => n.opType)).toEqual(['Constant', 'Div']);
    expect(printFunction(fn(ir, 'HalfOf')).text).toContain('half = Constant <value: tensor = float half {2}> ()');
    expect(fn(ir, 'HalfOf').metadataProps).toEqual([{ key: 'source', value: 'exporter' }]);
    // The other function is the same object: only what changed was replaced.
    expect(fn(ir, 'ScaledGelu')).toBe(scaledGelu);
    const after = printModel(ir).text;
    ir.journal.undo();
    expect(fn(ir, 'HalfOf')).toBe(halfOf);
    expect(printModel(ir).text).toBe(before);
    ir.journal.redo();
    expect(printModel(ir).text).toBe(after);
  });

  it('the edited functions are what onnxruntime runs; after undo it runs the old ones', async () => {
    const ir = calls();
    const x = new ort.Tensor('float32', Float32Array.from([-1.5, 0.8]), [2]);
    const original = (await outputs(ir, { x })).z!;
    const before = printModel(ir).text;
    const r = applyModelText(ir, before.replace('[erf] e = Erf (a)', '[erf] e = Tanh (a)').replace('float half {0.5}', 'float half {3}'));
    expect(r.ok).toBe(true);
    expectClose((await outputs(ir, { x })).z!, Float32Array.from([-1.5, 0.8].map((v) => Math.max(0, Math.tanh(v) * 3))));
    ir.journal.undo();
    expectClose((await outputs(ir, { x })).z!, original);
  });

  it('applies a graph edit and a function edit together as one step', () => {
    const ir = calls();
    const before = printModel(ir).text;
    const r = applyModelText(ir, before.replace('[relu] z = Relu (y)', '[relu] z = Sigmoid (y)').replace('[erf] e = Erf (a)', '[erf] e = Tanh (a)'));
    expect(r).toMatchObject({ ok: true, edit: { changed: 1, summary: 'nodes: 1 changed; local functions changed' } });
    expect(fn(ir, 'ScaledGelu').node![0]!.opType).toBe('Tanh');
    ir.journal.undo();
    expect(printModel(ir).text).toBe(before);
  });

  it('refuses a body that reads an undefined name, at the name, changing nothing', () => {
    const ir = calls();
    const before = printModel(ir).text;
    const text = before.replace('h = Mul (v, half)', 'h = Mul (v, halve)');
    const r = applyModelText(ir, text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors[0]).toEqual({ ...whereIs(text, 'halve'), message: expect.stringMatching(/^function ex\.HalfOf: node .*Mul.* reads "halve", which no node, graph input or initializer provides/) });
    expect(printModel(ir).text).toBe(before);
    expect(ir.journal.state).toBe(0);
  });

  it("refuses an op the function's opsets do not have, a domain it does not import, and an undeclared @reference", () => {
    const ir = calls();
    const text = printModel(ir).text;
    expect(edit(ir, 'h = Mul (v, half)', 'h = Mull (v, half)')).toEqual([
      { ...whereIs(text, 'Mul (v', 'HalfOf'), message: expect.stringMatching(/^function ex\.HalfOf: .*the default domain has no operator Mull/) },
    ]);
    expect(edit(ir, 'h = Mul (v, half)', 'h = com.microsoft.Gelu (v)')[0]).toMatchObject({
      line: whereIs(text, 'h = Mul').line,
      message: expect.stringMatching(/the domain "com\.microsoft" is not in the opset_import of function ex\.HalfOf/),
    });
    const errors = edit(ir, '[erf] e = Erf (a)', '[erf] e = Elu <alpha: float = @scale> (a)');
    expect(errors).toEqual([{ ...whereIs(text, '[erf]'), column: whereIs(text, '[erf]').column + '[erf] e = Elu <'.length, message: expect.stringMatching(/"erf" \(Elu\): attribute "alpha" refers to @scale, which function ex\.ScaledGelu does not declare/) }]);
    expect(ir.journal.state).toBe(0);
  });

  it('refuses a second definition of a function at its line', () => {
    const ir = calls();
    const text = printModel(ir).text + printFunction(fn(ir, 'HalfOf')).text;
    const r = applyModelText(ir, text);
    expect(r.ok ? [] : r.errors).toEqual([{ line: text.split('\n').lastIndexOf('<') + 1, column: 1, message: 'function ex.HalfOf is defined twice' }]);
  });

  it('refuses removing a function that is still called, at the call', () => {
    const ir = calls();
    const text = printModel(ir).text;
    const without = text.slice(0, text.lastIndexOf('<\n  domain: "ex"'));
    const r = applyModelText(ir, without);
    expect(r.ok ? [] : r.errors).toEqual([{ line: whereIs(text, '[half] b = ex.HalfOf').line, column: 1, message: 'node "half" calls the local function ex.HalfOf, which the text no longer defines' }]);
    expect(ir.meta.functions).toHaveLength(2);
  });

  it('refuses a call that passes more inputs or asks more outputs than its function has, naming the node', () => {
    const ir = calls();
    const text = printModel(ir).text;
    expect(edit(ir, '[act] y = ex.ScaledGelu (x)', '[act] y, y2 = ex.ScaledGelu (x)')).toEqual([
      { line: whereIs(text, '[act]').line, column: expect.any(Number), message: '"act" (ScaledGelu): 2 outputs, but the local function ex.ScaledGelu has 1' },
    ]);
  });

  it("refuses a function whose new signature no longer fits a call in the graph, at the call", () => {
    const pair: FunctionProto = { name: 'Pair', domain: 'ex', input: ['a', 'b'], output: ['c'], node: [node('Add', ['a', 'b'], ['c'])], opsetImport: [{ domain: '', version: 17 }] };
    const ir = new IrModel(
      model(graph({ nodes: [node('Pair', ['x', 'x'], ['y'], undefined, { name: 'call', domain: 'ex' })], inputs: [valueInfo('x', F, [2])], outputs: [valueInfo('y', F, [2])] }), {
        opset: [{ domain: '', version: 17 }, { domain: 'ex', version: 1 }],
        functions: [pair],
      }),
    );
    const text = printModel(ir).text.replace('Pair (a, b) => (c)', 'Pair (a) => (c)').replace('c = Add (a, b)', 'c = Relu (a)');
    const r = applyModelText(ir, text);
    expect(r.ok ? [] : r.errors).toEqual([{ line: whereIs(text, '[call]').line, column: expect.any(Number), message: '"call" (Pair): 2 inputs, but the local function ex.Pair takes 1' }]);
    expect(ir.meta.functions![0]).toBe(pair);
  });
});

describe("a function's body text (the Function view)", () => {
  // HalfOf's body as the Function view prints it (printGraph of the body).
  const body = (_ir: IrModel) => `HalfOf (v) => (h) {\n   half = Constant <value: tensor = float half {0.5}> ()\n   h = Mul (v, half)\n}\n`;

  it('applies in place of the function, keeping its header; undo gives the model back', () => {
    const ir = calls();
    const before = printModel(ir).text;
    const r = applyFunctionText(ir, fn(ir, 'HalfOf'), body(ir).replace('h = Mul (v, half)', 'h2 = Mul (v, half)\n   h = Neg (h2)'));
    expect(r.ok).toBe(true);
    expect(fn(ir, 'HalfOf')).toMatchObject({ domain: 'ex', opsetImport: [{ domain: '', version: 17 }] });
    expect(fn(ir, 'HalfOf').node!.map((n) => n.opType)).toEqual(['Constant', 'Mul', 'Neg']);
    ir.journal.undo();
    expect(printModel(ir).text).toBe(before);
  });

  it("places errors in the body's own text; a rename, a typed input or an initializer are refused", () => {
    const ir = calls();
    const bad = applyFunctionText(ir, fn(ir, 'HalfOf'), body(ir).replace('h = Mul (v, half)', 'h = Mul (v, halve)'));
    expect(bad.ok ? undefined : bad.errors).toEqual([{ line: 3, column: 16, message: expect.stringMatching(/function ex\.HalfOf: .*reads "halve"/) }]);
    const syntax = applyFunctionText(ir, fn(ir, 'HalfOf'), body(ir).replace('(v, half)', '(v, half'));
    expect(syntax.ok ? undefined : syntax.errors[0]).toMatchObject({ line: 4, column: 1 });
    const renamed = applyFunctionText(ir, fn(ir, 'HalfOf'), body(ir).replace('HalfOf', 'Halve'));
    expect(renamed.ok ? undefined : renamed.errors[0]).toMatchObject({ line: 1, column: 1, message: expect.stringMatching(/name stays HalfOf/) });
    const typed = applyFunctionText(ir, fn(ir, 'HalfOf'), body(ir).replace('HalfOf (v)', 'HalfOf (float[2] v)'));
    expect(typed.ok ? undefined : typed.errors[0]!.message).toMatch(/no types here \("v"\)/);
    const init = applyFunctionText(ir, fn(ir, 'HalfOf'), body(ir).replace(' {\n', '\n<\n   float w = {1}\n>\n{\n'));
    expect(init.ok ? undefined : init.errors[0]).toMatchObject({ line: 3, message: expect.stringMatching(/no initializers: make "w" a Constant node/) });
    expect(ir.journal.state).toBe(0);
  });
});
