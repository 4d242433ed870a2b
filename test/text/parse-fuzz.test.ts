import { describe, expect, it } from 'vitest';
import { decodeModel } from '../../shared/onnx/model-codec.js';
import { parseModel, tensorsByDigest } from '../../shared/text/parser.js';
import { printModel } from '../../shared/text/printer.js';
import { CONFORMANCE_ROOT, readBytes } from '../conformance/conformance-data.js';

// Text the user is typing is broken most of the time: the parser answers every variant of a
// real model's text with a model or with an error inside the text, and never throws.

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const PIECES = ['<', '>', '(', ')', '[', ']', '{', '}', ',', ':', '=', '=>', '@', '"', '#', '\n', ' ', 'float', 'x', '1', '-', '1e400', '99999999999999999999999', 'ref(', 'seq(', '.'];

describe('parsing broken text', () => {
  const model = decodeModel(readBytes(`${CONFORMANCE_ROOT}/node/test_loop11/model.onnx`));
  const text = printModel(model).text;
  const lookup = tensorsByDigest(model);

  it('answers 3,000 mutations of a model with subgraphs, with an error in bounds or a model', () => {
    const random = rng(12);
    const lines = text.split('\n');
    let errors = 0;
    for (let i = 0; i < 3000; i++) {
      let t = text;
      for (let k = 1 + Math.floor(random() * 3); k > 0; k--) {
        const at = Math.floor(random() * t.length);
        const op = random();
        if (op < 0.4) t = t.slice(0, at) + t.slice(at + 1 + Math.floor(random() * 8));
        else if (op < 0.8) t = t.slice(0, at) + PIECES[Math.floor(random() * PIECES.length)] + t.slice(at);
        else t = t.slice(0, at);
      }
      const r = parseModel(t, { tensors: lookup });
      if (r.ok) continue;
      errors++;
      const mutated = t.split('\n');
      expect(r.error.line).toBeGreaterThanOrEqual(1);
      expect(r.error.line).toBeLessThanOrEqual(mutated.length);
      expect(r.error.column).toBeGreaterThanOrEqual(1);
      expect(r.error.column).toBeLessThanOrEqual(mutated[r.error.line - 1]!.length + 1);
      expect(r.error.message).not.toMatch(/\n/);
    }
    expect(errors).toBeGreaterThan(1000);
    expect(lines.length).toBeGreaterThan(5);
  });

  it('refuses nesting thousands deep with an error, not a stack overflow', () => {
    const deep = `g (${'seq('.repeat(20000)}float${')'.repeat(20000)} x) => () {\n}`;
    const r = parseModel(deep);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/nesting too deep/);
  });

  it('refuses integers that fit no ONNX type, where they are', () => {
    const r = parseModel('g () => () {\n  y = Constant <value: tensor = uint8[2] {1, 256}> ()\n}');
    expect(r.ok ? undefined : r.error).toMatchObject({ line: 2, column: 46, message: '256 is out of range for uint8 (0 to 255)' });
    const big = parseModel('g () => () {\n  y = Foo <a: int = 18446744073709551616> ()\n}');
    expect(big.ok ? undefined : big.error).toMatchObject({ line: 2, column: 21, message: '18446744073709551616 does not fit in 64 bits' });
  });
});
