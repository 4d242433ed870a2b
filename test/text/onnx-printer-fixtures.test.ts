import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeModel } from '../../shared/onnx/model-codec.js';
import type { ModelProto } from '../../shared/onnx/proto-types.js';
import { tokenize, type Token } from '../../shared/text/lexer.js';
import { parseFloatLiteral } from '../../shared/text/literals.js';
import { parseModel, tensorsByDigest } from '../../shared/text/parser.js';
import { printModel } from '../../shared/text/printer.js';
import { CONFORMANCE_ROOT, readBytes } from '../conformance/conformance-data.js';
import { modelStructure } from './structure.js';

// Our printer against onnx.printer (onnx 1.23), on the texts scripts/make-text-fixtures.py wrote
// once. Equal token by token, modulo the differences printer.ts documents:
// - a tensor over 100 elements is `ref("digest")` where onnx.printer writes `{values}`;
// - numbers are compared as numbers (`1e-05` and `0.00001` are one float);
// - a name may be quoted where onnx.printer leaves it bare;
// - whitespace and line breaks (initializers one per line).
// And onnx.printer's text itself parses with our parser into the model it came from.

const FIXTURES = fileURLToPath(new URL('../fixtures/onnx-text/', import.meta.url));

function modelOf(fixture: string): ModelProto {
  if (fixture === 'features.txt') return decodeModel(readBytes(join(FIXTURES, 'features.onnx')));
  const [group, name] = fixture.slice(0, -'.txt'.length).split('__') as [string, string];
  const path = group === 'light' ? join(CONFORMANCE_ROOT, group, `${name}.onnx`) : join(CONFORMANCE_ROOT, group, name, 'model.onnx');
  return decodeModel(readBytes(path));
}

const isNumber = (t: Token) => t.kind === 'int' || t.kind === 'float' || (t.kind === 'ident' && /^(inf|nan)$/.test(t.text));
const isName = (t: Token) => t.kind === 'ident' || t.kind === 'string';

/** Undefined when the token streams agree (modulo the documented differences), else where they part. */
function difference(ours: Token[], theirs: Token[]): string | undefined {
  let i = 0;
  let j = 0;
  while (i < ours.length && j < theirs.length) {
    const a = ours[i]!;
    const b = theirs[j]!;
    if (a.kind === 'ident' && a.text === 'ref' && ours[i + 1]?.text === '(' && b.text === '{') {
      i += 4;
      let depth = 0;
      do {
        if (theirs[j]!.text === '{' && theirs[j]!.kind === 'punct') depth++;
        if (theirs[j]!.text === '}' && theirs[j]!.kind === 'punct') depth--;
        j++;
      } while (depth > 0);
      continue;
    }
    const same =
      isNumber(a) && isNumber(b)
        ? Object.is(parseFloatLiteral(a.text), parseFloatLiteral(b.text)) || parseFloatLiteral(a.text) === parseFloatLiteral(b.text)
        : isName(a) && isName(b)
          ? a.text === b.text
          : a.kind === b.kind && a.text === b.text;
    if (!same) return `ours ${a.line}:${a.column} '${a.text}' vs onnx.printer ${b.line}:${b.column} '${b.text}'`;
    i++;
    j++;
  }
  return i === ours.length && j === theirs.length ? undefined : 'one text ends first';
}

const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.txt')).sort();

describe('printer vs onnx.printer', () => {
  it('has the fixtures', () => expect(fixtures.length).toBeGreaterThan(60));

  it.each(fixtures)('%s', (fixture) => {
    const model = modelOf(fixture);
    const theirs = readFileSync(join(FIXTURES, fixture), 'utf8');
    const ours = printModel(model).text;
    expect(difference(tokenize(ours), tokenize(theirs))).toBeUndefined();
    // onnx.printer's own text reads back as the same model.
    const parsed = parseModel(theirs, { tensors: tensorsByDigest(model) });
    if (!parsed.ok) throw new Error(`${parsed.error.line}:${parsed.error.column}: ${parsed.error.message}`);
    expect(modelStructure(parsed.value)).toEqual(modelStructure(model));
  });
});
