import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { ElemType, graph, model, modelBytes, node, tensor, valueInfo } from '../../shared/builder/index.js';
import { IrModel } from '../../shared/ir/model.js';
import { decodeModel } from '../../shared/onnx/model-codec.js';
import { typeFromProto } from '../../shared/shape/index.js';
import { ensureBuilt, runCli } from '../helpers/cli.js';

beforeAll(ensureBuilt);
const F = ElemType.FLOAT;

// x[1,4] → Identity(copy) → i → Relu(relu) → r → Mul(scale, w) → m → Dropout(drop) → y
//                                              r → LeakyRelu(leaky) → l → ReduceMean(side) → s[1] (second output)
function write(dir: string): string {
  const m = model(
    graph({
      nodes: [
        node('Identity', ['x'], ['i'], {}, { name: 'copy' }),
        node('Relu', ['i'], ['r'], {}, { name: 'relu' }),
        node('Mul', ['r', 'w'], ['m'], {}, { name: 'scale' }),
        node('Dropout', ['m'], ['y'], {}, { name: 'drop' }),
        node('LeakyRelu', ['r'], ['l'], { alpha: 0.5 }, { name: 'leaky' }),
        node('ReduceMean', ['l'], ['s'], { axes: [1], keepdims: 0 }, { name: 'side' }),
      ],
      inputs: [valueInfo('x', F, [1, 4])],
      outputs: [valueInfo('y', F, [1, 4]), valueInfo('s', F, [1])],
      initializers: [tensor('w', F, [4], [1, 2, 3, 4])],
    }),
  );
  const path = join(dir, 'net.onnx');
  writeFileSync(path, modelBytes(m));
  return path;
}

const load = (path: string) => new IrModel(decodeModel(readFileSync(path)));
const names = (path: string) => [...load(path).graph.nodes].map((n) => n.name);
const xs = Float32Array.from([-1, 0.5, -2, 3]);

async function runModel(path: string, feeds: Record<string, ort.Tensor> = { x: new ort.Tensor('float32', xs, [1, 4]) }) {
  const s = await ort.InferenceSession.create(path);
  const out = await s.run(feeds);
  await s.release();
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Array.from(v.data as Float32Array)]));
}

function fresh() {
  const dir = mkdtempSync(join(tmpdir(), 'owb-edit-'));
  return { dir, input: write(dir), out: join(dir, 'out.onnx') };
}

describe('onnx-workbench edit', () => {
  it('--delete removes Identity and Dropout in order; the result runs with the same outputs', async () => {
    const { input, out } = fresh();
    const before = await runModel(input);
    const r = runCli('edit', input, '-o', out, '--delete', 'copy', '--delete', 'drop');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/--delete copy: deleted "copy" \(Identity\).*\(nodes 6 → 5\)\n--delete drop: .*\(nodes 5 → 4\)\nwrote /);
    expect(names(out)).toEqual(['relu', 'scale', 'leaky', 'side']);
    expect(await runModel(out)).toEqual(before);
  });

  it('--json reports every edit in order with node counts', () => {
    const { input, out } = fresh();
    const r = runCli('edit', input, '-o', out, '--rename', 'r=act', '--add-output', 'act', '--set-attr', 'leaky.alpha=0.1', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ output: out, nodesBefore: 6, nodesAfter: 6 });
    expect(j.edits.map((e: { option: string; argument: string; edit: string }) => [e.option, e.argument, e.edit])).toEqual([
      ['--rename', 'r=act', 'rename'],
      ['--add-output', 'act', 'add-output'],
      ['--set-attr', 'leaky.alpha=0.1', 'set-attribute'],
    ]);
    for (const e of j.edits) expect(Object.keys(e)).toEqual(expect.arrayContaining(['summary', 'nodesBefore', 'nodesAfter', 'annotationsUpdated']));
    expect(load(out).graph.outputs.map((o) => o.name)).toEqual(['y', 's', 'act']);
  });

  it('--delete-subtree removes a head and its output', async () => {
    const { input, out } = fresh();
    const r = runCli('edit', input, '-o', out, '--delete-subtree', 'side');
    expect(r.code).toBe(0);
    expect(names(out)).toEqual(['copy', 'relu', 'scale', 'drop']);
    expect(Object.keys(await runModel(out))).toEqual(['y']);
  });

  it('--extract writes the subgraph between values; its output equals the original intermediate value', async () => {
    const { dir, input, out } = fresh();
    const probe = join(dir, 'probe.onnx');
    expect(runCli('edit', input, '-o', probe, '--add-output', 'r', '--add-output', 'm').code).toBe(0);
    const original = await runModel(probe);
    const r = runCli('edit', input, '-o', out, '--extract', 'r:m');
    expect(r.code).toBe(0);
    expect(names(out)).toEqual(['scale']);
    const extracted = await runModel(out, { r: new ort.Tensor('float32', Float32Array.from(original.r!), [1, 4]) });
    expect(extracted).toEqual({ m: original.m });
  });

  it('--set-init replaces the values of a small initializer', async () => {
    const { input, out } = fresh();
    const r = runCli('edit', input, '-o', out, '--set-init', 'w=[0.5, 0.5, 0.5, 0.5]');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/--set-init w=\[0\.5, 0\.5, 0\.5, 0\.5\]: initializer "w" \(float\[4\]\) = \[0\.5, 0\.5, 0\.5, 0\.5\]/);
    expect((await runModel(out)).y).toEqual(Array.from(xs, (v) => Math.max(v, 0) * 0.5));
  });

  it('--input-shape makes the batch symbolic; the model runs with batch 3', async () => {
    const { input, out } = fresh();
    const r = runCli('edit', input, '-o', out, '--input-shape', 'x=Nx4');
    expect(r.code).toBe(0);
    const g = load(out).graph;
    expect(typeFromProto(g.inputs[0]!.type)).toEqual({ kind: 'tensor', elemType: F, shape: ['N', 4] });
    expect(typeFromProto(g.outputs[0]!.type)).toEqual({ kind: 'tensor', elemType: F, shape: ['N', 4] });
    const y = await runModel(out, { x: new ort.Tensor('float32', new Float32Array(12).fill(1), [3, 4]) });
    expect(y.y).toEqual([1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4]);
  });

  it('--overwrite is needed to write over the input', () => {
    const { input } = fresh();
    const bytes = readFileSync(input);
    const r = runCli('edit', input, '-o', input, '--delete', 'copy');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/refusing to overwrite the input model/);
    expect(readFileSync(input)).toEqual(bytes);
    expect(runCli('edit', input, '-o', input, '--delete', 'copy', '--overwrite').code).toBe(0);
    expect(names(input)).not.toContain('copy');
  });

  it.each([
    [['--delete', 'nope'], /--delete nope: no node with id or name "nope"/],
    [['--delete', 'side'], /--delete side: delete node "side" \(ReduceMean\) refused: .*"l" instead of "s": its input is float\[1,4\] but its output is float\[1\]/],
    [['--delete', 'copy', '--delete-subtree', 'relu'], /--delete-subtree relu: .* refused: node "scale" \(Mul\) reads its output "r"/],
    [['--extract', 'r'], /--extract needs IN,\.\.\.:OUT,\.\.\. \(at least one output\), not "r"/],
    [['--extract', ':m'], /--extract :m: extract \(no inputs\) → m refused: output "m" depends on graph input "x", which is not among the inputs/],
    [['--rename', 'r=x'], /--rename r=x: rename "r" to "x" refused: a value named "x" already exists/],
    [['--rename', 'r'], /--rename needs OLD=NEW/],
    [['--set-attr', 'leaky.alpha=fast'], /--set-attr leaky.alpha=fast: .*"fast" does not fit the float attribute/],
    [['--set-attr', 'leaky=1'], /--set-attr needs NODE\.attr=VALUE/],
    [['--set-init', 'w=[1,2]'], /--set-init w=\[1,2\]: set initializer "w" refused: it holds 4 value\(s\) \(shape \[4\]\), and 2 were given/],
    [['--set-init', '=1'], /--set-init needs NAME=\[v,\.\.\.\]/],
    [['--input-shape', 'x=1x4x?x'], /"" is not a size, a name or \?/],
    [['--input-shape', 'x=4'], /--input-shape x=4: .*refused: shape inference fails after it at "side" \(ReduceMean\)/],
    [['--add-output', 'ghost'], /--add-output ghost: value "ghost": no such value in the main graph/],
    [['--bogus', '1'], /unknown option --bogus/],
    [[], /no edit given/],
  ])('bad edit %j exits 2 with one line and writes nothing', (args, message) => {
    const { input, out } = fresh();
    const r = runCli('edit', input, '-o', out, ...args);
    expect(r.code).toBe(2);
    expect(r.lines).toHaveLength(1);
    expect(r.err).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });

  it('is listed in the help, with its usage', () => {
    expect(runCli('help').out).toMatch(/onnx-workbench edit MODEL -o OUT \[--delete NODE\]/);
    const r = runCli('edit', '--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/--extract IN,\.\.\.:OUT,\.\.\..*--input-shape NAME=1x3x224x224/);
  });

  it('missing -o or model is a usage error', () => {
    expect(runCli('edit', 'm.onnx', '--delete', 'a')).toMatchObject({ code: 2, err: expect.stringMatching(/missing -o OUT/) });
    expect(runCli('edit', '-o', 'x.onnx')).toMatchObject({ code: 2, err: expect.stringMatching(/missing MODEL/) });
  });
});
