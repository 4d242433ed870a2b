import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT, runCli } from '../helpers/cli.js';
import { ElemType, graph, model, modelBytes, node, tensor, valueInfo } from '../../shared/builder/index.js';

beforeAll(ensureBuilt);
const cli = runCli;
const sample = join(ROOT, 'assets/sample.onnx');

describe('onnx-workbench inspect', () => {
  it('reports the facts of a model built here, as JSON', () => {
    const m = model(
      graph({
        nodes: [
          node('MatMul', ['x', 'W'], ['h']),
          node('Add', ['h', 'b'], ['y0']),
          node('If', ['cond'], ['y'], {
            then_branch: graph({ name: 't', nodes: [node('Relu', ['y0'], ['t_out'])], outputs: ['t_out'] }),
            else_branch: graph({ name: 'e', nodes: [node('Neg', ['y0'], ['e_out']), node('Relu', ['e_out'], ['e_out2'])], outputs: ['e_out2'] }),
          }),
        ],
        inputs: [valueInfo('x', ElemType.FLOAT, ['batch', 4]), valueInfo('cond', ElemType.BOOL, []), valueInfo('W', ElemType.FLOAT, [4, 3])],
        outputs: [valueInfo('y', ElemType.FLOAT, ['batch', null])],
        initializers: [tensor('W', ElemType.FLOAT, [4, 3], new Float32Array(12)), tensor('b', ElemType.FLOAT, [3], [1, 2, 3])],
      }),
      { opset: [{ domain: '', version: 17 }, { domain: 'com.microsoft', version: 1 }], producerName: 'unit-test' },
    );
    const dir = mkdtempSync(join(tmpdir(), 'owb-cli-'));
    writeFileSync(join(dir, 'm.onnx'), modelBytes(m));
    const r = cli('inspect', join(dir, 'm.onnx'), '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.out);
    expect(s).toMatchObject({
      irVersion: 8,
      producerName: 'unit-test',
      opsetImports: [{ domain: '', version: 17 }, { domain: 'com.microsoft', version: 1 }],
      // W is an initializer listed as an input too: not a real input.
      inputs: [
        { name: 'x', elemType: 'float', shape: ['batch', 4] },
        { name: 'cond', elemType: 'bool', shape: [] },
      ],
      outputs: [{ name: 'y', elemType: 'float', shape: ['batch', null] }],
      nodeCount: 3,
      nodeCountTotal: 6,
      opTypes: { MatMul: 1, Add: 1, If: 1, Relu: 2, Neg: 1 },
      initializerCount: 2,
      parameterCount: 15,
      externalDataFiles: [],
    });
  });

  it('prints a human summary of the bundled sample', () => {
    const r = cli('inspect', sample);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/image: float \[batch, 3, 32, 32\]/);
    expect(r.out).toMatch(/scores: float \[batch, 10\]/);
    expect(r.out).toMatch(/\n\s+4\s+Conv\n/);
  });
});

describe('onnx-workbench convert', () => {
  it('re-saves byte-identically, and with --external-data writes a data file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'owb-cli-'));
    const out = join(dir, 'copy.onnx');
    expect(cli('convert', sample, '-o', out).code).toBe(0);
    expect(Buffer.compare(readFileSync(out), readFileSync(sample))).toBe(0);

    const ext = join(dir, 'ext.onnx');
    const r = cli('convert', sample, '-o', ext, '--external-data', '--threshold', '4096');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/ext\.onnx\.data/);
    const s = JSON.parse(cli('inspect', ext, '--json').out);
    expect(s.externalDataFiles).toEqual(['ext.onnx.data']);
    expect(s.parameterCount).toBe(JSON.parse(cli('inspect', sample, '--json').out).parameterCount);
    expect(readFileSync(ext).length).toBeLessThan(readFileSync(sample).length / 2);

    const back = join(dir, 'back.onnx');
    expect(cli('convert', ext, '-o', back, '--inline-data').code).toBe(0);
    expect(Buffer.compare(readFileSync(back), readFileSync(sample))).toBe(0);
  });

  it('refuses to overwrite its input unless asked, and leaves it untouched', () => {
    const dir = mkdtempSync(join(tmpdir(), 'owb-cli-'));
    const m = join(dir, 'm.onnx');
    copyFileSync(sample, m);
    const r = cli('convert', m, '-o', m);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/refusing to overwrite the input/);
    expect(Buffer.compare(readFileSync(m), readFileSync(sample))).toBe(0);
    expect(cli('convert', m, '-o', m, '--overwrite').code).toBe(0);
    expect(Buffer.compare(readFileSync(m), readFileSync(sample))).toBe(0);
  });

  it.each([
    [['convert', 'x.onnx'], /missing -o OUT/],
    [['convert', 'x.onnx', '-o', 'y.onnx', '--threshold', '10'], /only applies with --external-data/],
    [['convert', 'x.onnx', '-o', 'y.onnx', '--external-data', '--threshold', 'lots'], /whole number/],
    [['inspect', 'x.onnx', '--frobnicate'], /unknown option --frobnicate/],
    [['inspect'], /missing MODEL/],
    [['transmogrify'], /unknown command/],
  ])('usage error %j exits 2 with one line', (args, message) => {
    const r = cli(...args);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(message);
  });
});
