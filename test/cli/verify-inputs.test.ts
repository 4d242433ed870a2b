// `optimize --verify` with --value, --inputs and the fall-back dims, as a user runs it: on a model
// built here, and on the Silero VAD models vad-web ships (an int64 `sr` that must be 8000 or
// 16000, and reflect padding that needs hundreds of samples).

import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT, runCli } from '../helpers/cli.js';
import { ElemType, graph, model, modelBytes, node, tensor, valueInfo } from '../../shared/builder/index.js';
import { encodeNpy } from '../../shared/profile/npy.js';

beforeAll(ensureBuilt);

interface Attempt {
  defaultDim: number;
  error?: string;
}
interface Verification {
  passed: boolean;
  runs: number;
  boundDims: Record<string, number>;
  attempts: Attempt[];
  inputSets: { label: string; inputs: { name: string; shape: number[]; source: string; value?: number }[] }[];
}

/** y = reflect-pad of x by 2 on its last axis (needs an axis of 3 or more), times table[sr - 16000]. */
function padRate(dir: string): string {
  const m = model(
    graph({
      nodes: [node('Pad', ['x', 'pads'], ['p'], { mode: 'reflect' }), node('Sub', ['sr', 'base'], ['idx']), node('Gather', ['table', 'idx'], ['g']), node('Mul', ['p', 'g'], ['y'])],
      inputs: [valueInfo('x', ElemType.FLOAT, ['batch', 'n']), valueInfo('sr', ElemType.INT64, [])],
      outputs: [valueInfo('y', ElemType.FLOAT, ['batch', null])],
      initializers: [tensor('pads', ElemType.INT64, [4], [0, 2, 0, 2]), tensor('base', ElemType.INT64, [], [16000]), tensor('table', ElemType.FLOAT, [1], [0.5])],
    }),
  );
  const path = join(dir, 'pad-rate.onnx');
  writeFileSync(path, modelBytes(m));
  return path;
}

function verification(out: string): Verification {
  return (JSON.parse(out) as { verification: Verification }).verification;
}

describe('optimize --verify inputs', () => {
  it('--value sets a scalar, the unset dims fall back to 16, and both show in the text and the JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'owb-vcli-'));
    const m = padRate(dir);
    const text = runCli('optimize', m, '-o', join(dir, 'a.onnx'), '--verify', '--value', 'sr=16000');
    expect(text.code).toBe(0);
    expect(text.out).toContain('input sets 1-2 (seeds 0, 1): x [16,16] (random), sr [] = 16000, 16000 (--value)');
    expect(text.out).toMatch(/original model failed with unset dims at 1 \(Pad: Pad reflect .*\); ran with 16/);
    const j = runCli('optimize', m, '-o', join(dir, 'b.onnx'), '--verify', '--value', 'sr=16000', '--json');
    const v = verification(j.out);
    expect(v).toMatchObject({ passed: true, runs: 2, boundDims: { batch: 16, n: 16 } });
    expect(v.attempts.map((a) => a.defaultDim)).toEqual([1, 16]);

    const without = runCli('optimize', m, '-o', join(dir, 'c.onnx'), '--verify');
    expect(without.code).toBe(2);
    expect(without.lines).toHaveLength(1);
    expect(without.lines[0]).toMatch(/^onnx-workbench: original model: onnxruntime failed on generated inputs .* sr int64 \[\] random ints in \[0, 10\) .*set values with --value \(sr=NUMBER\), or give real inputs with --inputs PATH$/);
  });

  it('--inputs reads a folder of .npy files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'owb-vcli-'));
    const inputs = join(dir, 'inputs');
    mkdirSync(inputs);
    writeFileSync(join(inputs, 'x.npy'), encodeNpy({ elemType: ElemType.FLOAT, dims: [2, 5], data: Float32Array.from({ length: 10 }, (_, i) => i) }));
    writeFileSync(join(inputs, 'sr.npy'), encodeNpy({ elemType: ElemType.INT64, dims: [], data: BigInt64Array.of(16000n) }));
    const r = runCli('optimize', padRate(dir), '-o', join(dir, 'a.onnx'), '--verify', '--inputs', inputs, '--json');
    expect(r.err).toBe('');
    const v = verification(r.out);
    expect(v).toMatchObject({ passed: true, runs: 1, attempts: [{ defaultDim: 1 }] });
    expect(v.inputSets[0]!.inputs.map((i) => [i.name, i.shape, i.source])).toEqual([
      ['x', [2, 5], join(inputs, 'x.npy')],
      ['sr', [], join(inputs, 'sr.npy')],
    ]);
  });

  it('--inputs splits a leading axis of samples into input sets; the text lists the first few', () => {
    const dir = mkdtempSync(join(tmpdir(), 'owb-vcli-'));
    const inputs = join(dir, 'samples');
    mkdirSync(inputs);
    writeFileSync(join(inputs, 'x.npy'), encodeNpy({ elemType: ElemType.FLOAT, dims: [1, 4], data: Float32Array.of(1, 2, 3, 4) }));
    writeFileSync(join(inputs, 'sr.npy'), encodeNpy({ elemType: ElemType.INT64, dims: [10], data: new BigInt64Array(10).fill(16000n) }));
    const r = runCli('optimize', padRate(dir), '-o', join(dir, 'a.onnx'), '--verify', '--inputs', inputs);
    expect(r.err).toBe('');
    expect(r.out).toContain('verification (exact, 10 input set(s)): passed');
    const setLines = r.out.split('\n').filter((l) => l.startsWith('  samples sample '));
    expect(setLines).toHaveLength(7);
    expect(setLines[6]).toBe(`  samples sample 7 of 10: x [1,4] (${join(inputs, 'x.npy')}), sr [] = 16000 (${join(inputs, 'sr.npy')} [sample 7])`);
    expect(r.out).toContain('  … and 3 more input sets (--json lists them)');
  });

  it('bad flags are one line and exit 2, before anything is written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'owb-vcli-'));
    const m = padRate(dir);
    const out = join(dir, 'out.onnx');
    const cases: [string[], RegExp][] = [
      [['--value', 'sr=abc'], /^onnx-workbench: --value needs NAME=NUMBER, not "sr=abc"$/],
      [['--value', 'sr'], /^onnx-workbench: --value needs NAME=NUMBER, not "sr"$/],
      [['--value', 'rate=16000'], /^onnx-workbench: --value rate=16000: the model has no input 'rate' \(its inputs: x, sr\)$/],
      [['--value', 'sr=16000.5'], /^onnx-workbench: --value sr=16000\.5: input 'sr' is int64, which takes whole numbers$/],
      [['--value', 'sr=1', '--value', 'sr=2'], /^onnx-workbench: --value sr is given twice$/],
    ];
    for (const [flags, message] of cases) {
      const r = runCli('optimize', m, '-o', out, '--verify', ...flags);
      expect([r.code, r.lines.length]).toEqual([2, 1]);
      expect(r.lines[0]).toMatch(message);
      expect(existsSync(out)).toBe(false);
    }
    const noVerify = runCli('optimize', m, '-o', out, '--inputs', dir);
    expect([noVerify.code, noVerify.lines]).toEqual([2, ['onnx-workbench: --inputs sets verification inputs; add --verify']]);
    const missing = runCli('optimize', m, '-o', out, '--verify', '--inputs', join(dir, 'no-such-folder'));
    expect([missing.code, missing.lines.length]).toEqual([2, 1]);
    expect(missing.lines[0]).toMatch(/no-such-folder/);
  });
});

// Silero VAD as vad-web ships it: legacy (input [batch, sequence], sr, h and c [2, batch, 64])
// and v5 (input [?, ?], state [2, ?, 128], sr). Both need hundreds of samples; v5 also needs sr
// to match the window (512 samples at 16000, 256 at 8000).
const SILERO = ['silero_vad_legacy.onnx', 'silero_vad_v5.onnx']
  .map((f) => join(ROOT, 'node_modules/@ricky0123/vad-web/dist', f))
  .filter((f) => existsSync(f));
const stateOf = (file: string): [string, number[]][] => (file.includes('legacy') ? [['h', [2, 1, 64]], ['c', [2, 1, 64]]] : [['state', [2, 1, 128]]]);

/** One input set: a tone of `samples` samples at `rate`, zero state. */
function sileroSet(dir: string, file: string, rate: number, samples: number): string {
  mkdirSync(dir, { recursive: true });
  const tone = Float32Array.from({ length: samples }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 440 * i) / rate));
  writeFileSync(join(dir, 'input.npy'), encodeNpy({ elemType: ElemType.FLOAT, dims: [1, samples], data: tone }));
  writeFileSync(join(dir, 'sr.npy'), encodeNpy({ elemType: ElemType.INT64, dims: [], data: BigInt64Array.of(BigInt(rate)) }));
  for (const [name, dims] of stateOf(file)) writeFileSync(join(dir, `${name}.npy`), encodeNpy({ elemType: ElemType.FLOAT, dims, data: new Float32Array(dims.reduce((a, b) => a * b, 1)) }));
  return dir;
}

describe.runIf(SILERO.length > 0)('optimize --verify on Silero VAD', () => {
  // With no flags, `sr` takes the rate the graph compares it with (Equal against 16000).
  const srCases = SILERO.flatMap((file) => [
    { file, flags: ['--value', 'sr=16000'], source: '--value' },
    { file, flags: [], source: /^compared with in Equal '[^']+'$/ },
  ]);
  it.each(srCases)('$file verifies with [$flags] and the fall-back dims', ({ file, flags, source }) => {
    const dir = mkdtempSync(join(tmpdir(), 'owb-silero-'));
    const r = runCli('optimize', file, '-o', join(dir, 'out.onnx'), '--verify', ...flags, '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const v = verification(r.out);
    expect(v.passed).toBe(true);
    // At 1 and 16 samples the reflect padding of the STFT is longer than the signal.
    expect(v.attempts.map((a) => [a.defaultDim, /Pad reflect/.test(a.error ?? '')])).toEqual([
      [1, true],
      [16, true],
      [512, false],
    ]);
    // onnxruntime's message names the nodes from the If down to the Pad that failed.
    expect(v.attempts[0]!.error).toMatch(/^If '[^']+' > Pad '[^']+': Pad reflect/);
    expect(Object.values(v.boundDims)).toEqual(Object.values(v.boundDims).map(() => 512));
    expect(v.inputSets[0]!.inputs.find((i) => i.name === 'sr')).toEqual({ name: 'sr', type: 'int64', shape: [], source: expect.stringMatching(source), value: 16000 });
  });

  it.each(SILERO)('%s verifies with --inputs: one folder, and a folder of folders at 16000 and 8000 Hz', (file) => {
    const dir = mkdtempSync(join(tmpdir(), 'owb-silero-'));
    const one = runCli('optimize', file, '-o', join(dir, 'a.onnx'), '--verify', '--inputs', sileroSet(join(dir, 'one'), file, 16000, 512), '--json');
    expect(one.err).toBe('');
    expect(verification(one.out)).toMatchObject({ passed: true, runs: 1, attempts: [{ defaultDim: 1 }], boundDims: {} });

    sileroSet(join(dir, 'sets', 'a-16k'), file, 16000, 512);
    sileroSet(join(dir, 'sets', 'b-8k'), file, 8000, 256);
    const two = runCli('optimize', file, '-o', join(dir, 'b.onnx'), '--verify', '--inputs', join(dir, 'sets'));
    expect(two.err).toBe('');
    expect(two.code).toBe(0);
    expect(two.out).toMatch(/verification \(\w+, 2 input set\(s\)\): passed/);
    const line = (set: string) => two.out.split('\n').find((l) => l.startsWith(`  ${set}: `)) ?? '';
    expect(line('a-16k')).toContain(`input [1,512] (${join(dir, 'sets', 'a-16k', 'input.npy')})`);
    expect(line('a-16k')).toContain(`sr [] = 16000 (${join(dir, 'sets', 'a-16k', 'sr.npy')})`);
    expect(line('b-8k')).toContain(`input [1,256] (${join(dir, 'sets', 'b-8k', 'input.npy')})`);
    expect(line('b-8k')).toContain('sr [] = 8000');
  });
});
