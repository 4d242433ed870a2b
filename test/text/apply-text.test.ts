import { describe, expect, it } from 'vitest';
import { applyModelText } from '../../shared/text/apply-text.js';
import { printModel } from '../../shared/text/printer.js';
import { ifModel } from './if-model.js';

// The edited text of a model applied as the difference, in one transaction: an edit inside an If
// branch replaces the If node; a renamed value rewires its readers; undo gives the same text back.

describe('applyModelText', () => {
  it('applies an edit inside an If branch as one step; undo restores the text', () => {
    const ir = ifModel({ opset: 17 });
    const before = printModel(ir).text;
    const edited = before.replace('[then_add] then_out = Add (x, then_c)', '[then_add] then_out = Mul (x, then_c)');
    expect(edited).not.toBe(before);
    const r = applyModelText(ir, edited);
    expect(r).toMatchObject({ ok: true, edit: { changed: 1, added: 0, removed: 0 } });
    expect(ir.journal.state).toBe(1);
    expect(printModel(ir).text).toBe(edited);
    ir.journal.undo();
    expect(printModel(ir).text).toBe(before);
  });

  it('renames a value in the producer and its reader; the same text changes nothing', () => {
    const ir = ifModel({ opset: 17 });
    const before = printModel(ir).text;
    const edited = before.replace('[relu] x = Relu (x0)', '[relu] r = Relu (x0)').replace(/\(x, then_c\)/, '(r, then_c)').replace(/\(x, else_c\)/, '(r, else_c)');
    const r = applyModelText(ir, edited);
    expect(r.ok).toBe(true);
    expect([...ir.graph.nodes].find((n) => n.name === 'relu')!.outputs).toEqual(['r']);
    expect(printModel(ir).text).toBe(edited);
    const same = applyModelText(ir, edited);
    expect(same.ok).toBe(true);
    expect(ir.journal.state).toBe(1);
  });

  it('refuses a changed opset and a dangling name with their lines, the model unchanged', () => {
    const ir = ifModel({ opset: 17 });
    const before = printModel(ir).text;
    expect(applyModelText(ir, before.replace('"" : 17', '"" : 18'))).toMatchObject({ ok: false, errors: [{ line: 1 }] });
    const dangling = before.replace('[relu] x = Relu (x0)', '[relu] x = Relu (nowhere)');
    const r = applyModelText(ir, dangling);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(dangling.split('\n')[r.errors[0]!.line - 1]).toContain('nowhere');
    expect(ir.journal.state).toBe(0);
    expect(printModel(ir).text).toBe(before);
  });
});
