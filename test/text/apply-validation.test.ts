import { describe, expect, it } from 'vitest';
import { ElemType, graph, model, node, tensor, valueInfo } from '../../shared/builder/index.js';
import { IrModel } from '../../shared/ir/model.js';
import { applyModelText } from '../../shared/text/apply-text.js';
import { printModel } from '../../shared/text/printer.js';

// Applying text is refused, with the line and column of what is wrong, when the edited graph's
// inferred shapes do not fit each other or a declared type, or when the operator schema does not
// allow a node's attributes or input types; the model is then unchanged. A correct edit applies.

const F = ElemType.FLOAT;
const I64 = ElemType.INT64;

function mlp(): IrModel {
  const init = (name: string, type: number, dims: number[]) => tensor(name, type, dims, new Array(dims.reduce((a, b) => a * b, 1)).fill(1));
  return new IrModel(
    model(
      graph({
        nodes: [
          node('MatMul', ['x', 'w'], ['h'], undefined, { name: 'mm' }),
          node('Add', ['h', 'b'], ['hb'], undefined, { name: 'bias' }),
          node('Relu', ['hb'], ['y'], undefined, { name: 'act' }),
        ],
        inputs: [valueInfo('x', F, [2, 3]), valueInfo('idx', I64, [4])],
        outputs: [valueInfo('y', F, [2, 4])],
        initializers: [init('w', F, [3, 4]), init('w5', F, [5, 4]), init('b', F, [4]), init('b3', F, [3]), init('shape', I64, [2]), init('fshape', F, [2])],
        valueInfo: [valueInfo('h', F, [2, 4])],
      }),
      { opset: 17 },
    ),
  );
}

/** Applies `edited` (one line of the printed model replaced) and expects a refusal at `token` on that line. */
function refusedAt(ir: IrModel, from: string, to: string, token: string): string {
  const before = printModel(ir).text;
  expect(before).toContain(from);
  const edited = before.replace(from, to);
  const r = applyModelText(ir, edited);
  expect(r.ok).toBe(false);
  if (r.ok) return '';
  const e = r.errors[0]!;
  const line = edited.split('\n')[e.line - 1]!;
  expect(line).toContain(to.trim());
  expect(line.slice(e.column - 1).startsWith(token), `column ${e.column} of "${line}" is not at ${token}`).toBe(true);
  expect(ir.journal.state).toBe(0);
  expect(printModel(ir).text).toBe(before);
  return e.message;
}

describe('applying text validates shapes, types and the operator schema', () => {
  it('refuses a MatMul whose inner dims differ, at the input, naming the node and both shapes', () => {
    const m = refusedAt(mlp(), '[mm] h = MatMul (x, w)', '[mm] h = MatMul (x, w5)', 'w5');
    expect(m).toContain('"mm" (MatMul)');
    expect(m).toContain('"w5" float[5,4]');
    expect(m).toContain('"x" float[2,3]');
  });

  it('refuses an Add whose inputs do not broadcast', () => {
    const m = refusedAt(mlp(), '[bias] hb = Add (h, b)', '[bias] hb = Add (h, b3)', 'b3');
    expect(m).toMatch(/"bias" \(Add\): input "b3" float\[3\] does not broadcast with "h" float\[2,4\]/);
  });

  it('refuses an element type the other input of the same type parameter does not have', () => {
    const m = refusedAt(mlp(), '[bias] hb = Add (h, b)', '[bias] hb = Add (h, idx)', 'idx');
    expect(m).toContain('input B "idx" is int64, but input A "h" is float (both are T)');
  });

  it('refuses a float tensor where the operator takes int64 (Reshape’s shape)', () => {
    const m = refusedAt(mlp(), '[act] y = Relu (hb)', '[act] y = Reshape (hb, fshape)', 'fshape');
    expect(m).toContain('input shape "fshape" is float, but Reshape takes int64 there');
  });

  it('refuses an unknown value name at its column', () => {
    const m = refusedAt(mlp(), '[act] y = Relu (hb)', '[act] y = Relu (nowhere)', 'nowhere');
    expect(m).toContain('"nowhere"');
  });

  it('refuses an inferred shape that contradicts a declared one, at the producing node’s output', () => {
    const ir = mlp();
    const before = printModel(ir).text;
    expect(before).toContain('float[2,4] h\n');
    const edited = before.replace('float[2,4] h\n', 'float[2,5] h\n');
    const r = applyModelText(ir, edited);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const e = r.errors[0]!;
    expect(e.message).toMatch(/"mm" \(MatMul\) output "h": .*float\[2,5\].*float\[2,4\]|"mm" \(MatMul\) output "h": .*float\[2,4\].*float\[2,5\]/);
    const line = edited.split('\n')[e.line - 1]!;
    expect(line.trim()).toBe('[mm] h = MatMul (x, w)');
    expect(line.slice(e.column - 1).startsWith('h = MatMul')).toBe(true);
    expect(ir.journal.state).toBe(0);
  });

  it('refuses an unknown attribute, a wrong attribute type, a missing required one and an operator not in the opset', () => {
    expect(refusedAt(mlp(), '[act] y = Relu (hb)', '[act] y = Relu <alpha: float = 0.5> (hb)', 'alpha')).toContain('Relu-14 has no attribute "alpha"');
    expect(refusedAt(mlp(), '[act] y = Relu (hb)', '[act] y = Transpose <perm: int = 1> (hb)', 'perm')).toContain('attribute "perm" is ints in Transpose-13, not int');
    expect(refusedAt(mlp(), '[act] y = Relu (hb)', '[act] y = Cast (hb)', 'Cast')).toContain('the required attribute "to" (int) is missing');
    expect(refusedAt(mlp(), '[act] y = Relu (hb)', '[act] y = Gelu (hb)', 'Gelu')).toContain('Gelu is not in opset 17 of the default domain (it comes in opset 20)');
  });

  it('still applies a correct edit (one step, undo restores it), with the declared value info kept', () => {
    const ir = mlp();
    const before = printModel(ir).text;
    const edited = before.replace('[act] y = Relu (hb)', '[act] y = LeakyRelu <alpha: float = 0.2> (hb)').replace('[mm] h = MatMul (x, w)', '[mm] h = MatMul (x, w)');
    const r = applyModelText(ir, edited);
    expect(r).toMatchObject({ ok: true, edit: { changed: 1 } });
    expect(printModel(ir).text).toBe(edited);
    ir.journal.undo();
    expect(printModel(ir).text).toBe(before);
  });

  it('does not blame the text for a problem the model already had', () => {
    // A declared type that already contradicts inference (h said to be [2,5]) stays as it was.
    const ir = mlp();
    ir.graph.setValueInfo(valueInfo('h', F, [2, 5]));
    const before = printModel(ir).text;
    const r = applyModelText(ir, before.replace('[act] y = Relu (hb)', '[act] y = Sigmoid (hb)'));
    expect(r.ok).toBe(true);
  });
});
