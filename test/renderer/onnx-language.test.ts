import { describe, expect, it } from 'vitest';
import { printModel } from '../../shared/text/printer.js';
import { foldingRanges, nodeOnLine } from '../../renderer/text/onnx-language.js';
import { attributeSuggestions, opHover, opSuggestions, opsetsOfText } from '../../renderer/text/op-help.js';
import { convBnReluModel } from '../service/conv-bn-model.js';
import { ifModel } from '../text/if-model.js';

// The text editor's language helpers on printed models: the node a line writes (for hover) and
// the folding ranges (a graph body, an If node and each branch); operator help (hover, completion)
// from the ONNX schemas at the text's opset.

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

describe('operator help from the ONNX schemas', () => {
  const opsets = (v: number) => opsetsOfText(`<ir_version: 8, opset_import: ["" : ${v}, "ai.onnx.ml" : 3]>`);

  it('reads the opsets a text imports', () => {
    expect([...opsets(17)]).toEqual([
      ['', 17],
      ['ai.onnx.ml', 3],
    ]);
  });

  it('offers Conv’s attributes with their types and defaults', () => {
    const conv = attributeSuggestions('Conv', opsets(17));
    expect(conv.map((a) => a.name)).toEqual(['auto_pad', 'dilations', 'group', 'kernel_shape', 'pads', 'strides']);
    expect(conv.find((a) => a.name === 'group')).toEqual({ name: 'group', type: 'int', detail: 'int = 1' });
    expect(conv.find((a) => a.name === 'auto_pad')!.detail).toBe('string = "NOTSET"');
    expect(attributeSuggestions('Cast', opsets(17)).find((a) => a.name === 'to')!.detail).toBe('int, required');
    // Split's num_outputs came in opset 18.
    expect(attributeSuggestions('Split', opsets(13)).map((a) => a.name)).toEqual(['axis']);
    expect(attributeSuggestions('Split', opsets(18)).map((a) => a.name)).toEqual(['axis', 'num_outputs']);
  });

  it('knows com.microsoft operators from onnxruntime’s schemas', () => {
    const ms = opsetsOfText('<ir_version: 8, opset_import: ["" : 17, "com.microsoft" : 1]>');
    const fused = attributeSuggestions('com.microsoft.FusedMatMul', ms);
    expect(fused.map((a) => a.name)).toEqual(['alpha', 'transA', 'transB', 'transBatchA', 'transBatchB']);
    expect(fused.find((a) => a.name === 'alpha')!.detail).toBe('float = 1');
    expect(opSuggestions(ms).map((o) => o.label)).toContain('com.microsoft.SkipLayerNormalization');
  });

  it('offers the operators of the text’s opset only', () => {
    const at17 = opSuggestions(opsets(17)).map((o) => o.label);
    const at20 = opSuggestions(opsets(20)).map((o) => o.label);
    expect(at17).toContain('Conv');
    expect(at17).not.toContain('Gelu');
    expect(at20).toContain('Gelu');
    expect(at17).toContain('ai.onnx.ml.TreeEnsembleClassifier');
    expect(opSuggestions(opsets(17)).length).toBeGreaterThan(170);
  });

  it('hover gives the schema’s doc, formal input names and attributes', () => {
    const text = printModel(convBnReluModel()).text;
    const node = nodeOnLine(text.split('\n').find((l) => l.includes('= Conv'))!)!;
    const hover = opHover('Conv', opsetsOfText(text), node).join('\n\n');
    expect(hover).toMatch(/^\*\*Conv\*\* \(ai\.onnx, opset 11\) — node `conv`/);
    expect(hover).toContain('The convolution operator consumes an input tensor and a filter');
    expect(hover).toContain('- X: `x`\n- W: `W`\n- B: `B`');
    expect(hover).toContain('Schema: (X, W, B (optional)) → (Y)');
    expect(hover).toContain('`group`: int = 1');
  });
});
