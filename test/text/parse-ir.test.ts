import { describe, expect, it } from 'vitest';
import { allGraphs } from '../../shared/ir/model.js';
import { decodeModel } from '../../shared/onnx/model-codec.js';
import { parseModelIr } from '../../shared/text/parse-ir.js';
import { tensorsByDigest } from '../../shared/text/parser.js';
import { printModel } from '../../shared/text/printer.js';
import { CONFORMANCE_ROOT, readBytes } from '../conformance/conformance-data.js';

// Text → IR: the parsed model as an IrModel whose node ids map to lines, and structural errors
// placed at the node or graph they name.

describe('parseModelIr', () => {
  it('builds the IR of a model with subgraphs and maps its node ids to their lines', () => {
    const proto = decodeModel(readBytes(`${CONFORMANCE_ROOT}/node/test_loop11/model.onnx`));
    const text = printModel(proto).text;
    const r = parseModelIr(text, { tensors: tensorsByDigest(proto) });
    if (!r.ok) throw new Error(r.error.message);
    const lines = text.split('\n');
    let count = 0;
    for (const g of allGraphs(r.value.graph)) {
      for (const n of g.nodes) {
        const span = r.spans.find((s) => s.id === n.id)!;
        expect(lines[span.startLine - 1]).toContain(`= ${n.opType} `);
        count++;
      }
    }
    expect(count).toBe(10);
  });

  it('places a value no one defines at its name in the node that reads it', () => {
    const r = parseModelIr('<ir_version: 8, opset_import: ["" : 17]>\ng (float[2] x) => (float[2] z) {\n  y = Relu (x)\n  [b] z = Add (y, nope)\n}');
    expect(r.ok ? undefined : r.error).toMatchObject({ line: 4, column: 19 }); // at "nope"
    expect(r.ok ? '' : r.error.message).toMatch(/node "b" \(Add\) reads "nope"/);
  });

  it('places a graph output no one produces at its name in the signature', () => {
    const r = parseModelIr('<ir_version: 8, opset_import: ["" : 17]>\n\ng (float[2] x) => (float[2] w) {\n  y = Relu (x)\n}');
    expect(r.ok ? undefined : r.error).toMatchObject({ line: 3, column: 29 }); // at "w" in the signature
  });

  it('passes syntax errors through', () => {
    const r = parseModelIr('g (float[2] x) => {\n}');
    expect(r.ok ? undefined : r.error).toMatchObject({ line: 1, column: 19 });
  });
});
