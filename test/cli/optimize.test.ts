import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from '../helpers/cli.js';
import { attrGraph, ElemType, graph, model, modelBytes, node, tensor, valueInfo } from '../../shared/builder/index.js';
import { unetStyleModel } from '../verify/unet-style-model.js';

beforeAll(ensureBuilt);
const cli = runCli;

/** x → Identity → Relu → y, plus a dead branch and an unused initializer. */
function cluttered(dir: string): string {
  const m = model(
    graph({
      nodes: [
        node('Identity', ['x'], ['x1'], {}, { name: 'copy' }),
        node('Relu', ['x1'], ['y'], {}, { name: 'relu' }),
        node('Sigmoid', ['x'], ['unused'], {}, { name: 'dead' }),
      ],
      inputs: [valueInfo('x', ElemType.FLOAT, ['batch', 4])],
      outputs: [valueInfo('y', ElemType.FLOAT, ['batch', 4])],
      initializers: [tensor('w', ElemType.FLOAT, [4], [1, 2, 3, 4])],
    }),
  );
  const path = join(dir, 'cluttered.onnx');
  writeFileSync(path, modelBytes(m));
  return path;
}

describe('onnx-workbench passes', () => {
  it('lists every pass with its description, target and needs', () => {
    const r = cli('passes', '--json');
    expect(r.code).toBe(0);
    const { passes } = JSON.parse(r.out) as { passes: { name: string; description: string; target: string; requires: string[] }[] };
    expect(passes.map((p) => p.name)).toContain('dead-code-elimination');
    for (const p of passes) {
      expect(p.description.length).toBeGreaterThan(10);
      expect(['portable', 'onnxruntime']).toContain(p.target);
    }
  });
});

describe('onnx-workbench optimize', () => {
  it('cleans a model, reports per pass, verifies, and writes a model onnxruntime runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'owb-opt-'));
    const out = join(dir, 'out.onnx');
    const r = cli('optimize', cluttered(dir), '-o', out, '--verify', '--json', '--dim', 'batch=3');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ nodesBefore: 3, nodesAfter: 1, verification: { passed: true, boundDims: { batch: 3 } } });
    for (const p of j.passes) expect(Object.keys(p)).toEqual(expect.arrayContaining(['name', 'matches', 'nodesBefore', 'nodesAfter', 'ms']));
    expect(j.verification.outputs).toEqual([expect.objectContaining({ name: 'y', maxAbsError: 0, maxRelError: 0, cosine: 1 })]);
    const s = await ort.InferenceSession.create(out);
    const y = await s.run({ x: new ort.Tensor('float32', Float32Array.from([-1, 2, -3, 4]), [1, 4]) });
    expect(Array.from(y.y!.data as Float32Array)).toEqual([0, 2, 0, 4]);
  });

  it('--preset aggressive unrolls a Loop the default preset leaves, and verifies bit-exact', () => {
    // acc = Loop(4) { acc · x + float(i) }, with x read from the outer scope.
    const body = graph({
      name: 'body',
      nodes: [node('Identity', ['c_in'], ['c_out']), node('Cast', ['i'], ['fi'], { to: ElemType.FLOAT }), node('Mul', ['acc_in', 'x'], ['ax']), node('Add', ['ax', 'fi'], ['acc_out'])],
      inputs: [valueInfo('i', ElemType.INT64, []), valueInfo('c_in', ElemType.BOOL, []), valueInfo('acc_in', ElemType.FLOAT, [4])],
      outputs: [valueInfo('c_out', ElemType.BOOL, []), valueInfo('acc_out', ElemType.FLOAT, [4])],
    });
    const dir = mkdtempSync(join(tmpdir(), 'owb-opt-'));
    const path = join(dir, 'loop.onnx');
    writeFileSync(
      path,
      modelBytes(
        model(
          graph({
            nodes: [node('Loop', ['n', '', 'acc0'], ['acc'], { body: attrGraph(body) }, { name: 'loop' })],
            inputs: [valueInfo('x', ElemType.FLOAT, [4]), valueInfo('acc0', ElemType.FLOAT, [4])],
            outputs: [valueInfo('acc', ElemType.FLOAT, [4])],
            initializers: [tensor('n', ElemType.INT64, [], [4])],
          }),
          { opset: 17 },
        ),
      ),
    );
    const plain = JSON.parse(cli('optimize', path, '-o', join(dir, 'default.onnx'), '--json').out);
    expect(plain.passes.map((p: { name: string }) => p.name)).not.toContain('loop-unrolling');
    const r = cli('optimize', path, '-o', join(dir, 'unrolled.onnx'), '--preset', 'aggressive', '--verify', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.passes.find((p: { name: string }) => p.name === 'loop-unrolling').matches).toBe(1);
    // Four copies of Mul and Add: each iteration's Cast of its constant number folds, the Identities
    // go, and the first iteration's Add of 0 is an arithmetic identity.
    expect(j).toMatchObject({ nodesAfter: 7, verification: { passed: true } });
    expect(j.verification.outputs).toEqual([expect.objectContaining({ name: 'acc', maxAbsError: 0 })]);
  });

  it('--verify names its tolerance and why: float16 paths within float16 ulps, float32 ones exact (text and JSON)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'owb-opt-'));
    const fp16 = join(dir, 'unet16.onnx');
    writeFileSync(fp16, modelBytes(unetStyleModel({ elemType: ElemType.FLOAT16 })));
    const text = cli('optimize', fp16, '-o', join(dir, 'out16.onnx'), '--preset', 'cleanup', '--verify');
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^verification \(float16-rounding, 2 input set\(s\)\): passed$/m);
    expect(text.out).toMatch(/^ {2}tolerance float16-rounding: every output is computed through float16: onnxruntime's CPU provider/m);

    // A float32 output beside a float16 one: the result stays exact, the float16 output gets its own.
    const mixed = join(dir, 'mixed.onnx');
    const F = ElemType.FLOAT;
    const m = model(
      graph({
        nodes: [
          node('Identity', ['x'], ['x1']),
          node('Relu', ['x1'], ['y32']),
          node('Cast', ['x1'], ['xh'], { to: ElemType.FLOAT16 }),
          node('Sigmoid', ['xh'], ['sh'], {}, { name: 'sigmoid_h' }),
          node('Cast', ['sh'], ['y16'], { to: F }),
        ],
        inputs: [valueInfo('x', F, [2, 4])],
        outputs: [valueInfo('y32', F, [2, 4]), valueInfo('y16', F, [2, 4])],
      }),
    );
    writeFileSync(mixed, modelBytes(m));
    const r = cli('optimize', mixed, '-o', join(dir, 'out.onnx'), '--verify', '--json');
    expect(r.code).toBe(0);
    const v = JSON.parse(r.out).verification;
    expect(v.tolerance).toMatchObject({ name: 'exact', atol: 1e-6, reason: 'only rewrites that keep every float operation and its order (identity-elimination)' });
    expect(v.outputs[0]).not.toHaveProperty('tolerance');
    expect(v.outputs[1].tolerance).toMatchObject({ name: 'float16-rounding', reason: expect.stringMatching(/^'y16' is computed through float16 \('(xh|sh)' from .*\): onnxruntime/) });
  });

  it('--dry-run reports and writes nothing; --nodes limits the rewrite to a selection', () => {
    const dir = mkdtempSync(join(tmpdir(), 'owb-opt-'));
    const model = cluttered(dir);
    const dry = cli('optimize', model, '--dry-run', '--json');
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.out)).toMatchObject({ dryRun: true, output: null, nodesAfter: 1 });

    const scoped = cli('optimize', model, '-o', join(dir, 'scoped.onnx'), '--nodes', 'dead', '--passes', 'identity-elimination,dead-code-elimination', '--json');
    expect(scoped.code).toBe(0);
    // Only the selected dead node goes; the Identity outside the selection stays.
    expect(JSON.parse(scoped.out)).toMatchObject({ nodesBefore: 3, nodesAfter: 2 });
  });

  it.each([
    [['optimize', 'm.onnx'], /missing -o OUT/],
    [['optimize', 'm.onnx', '-o', 'x.onnx', '--target', 'gpu'], /--target must be/],
    [['optimize', 'm.onnx', '-o', 'x.onnx', '--passes', 'no-such-pass'], /unknown pass "no-such-pass"/],
    [['optimize', 'm.onnx', '-o', 'x.onnx', '--preset', 'nope'], /unknown preset/],
    [['optimize', 'm.onnx', '--dry-run', '--verify'], /does not combine/],
    [['optimize', 'm.onnx', '-o', 'x.onnx', '--dim', 'batch'], /--dim needs name=value/],
  ])('usage error %j exits 2 with one line', (args, message) => {
    const r = cli(...args);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(message);
  });
});
