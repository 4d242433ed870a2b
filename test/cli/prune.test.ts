// `onnx-workbench prune` as a user runs it: structured pruning with recovery on generated and
// given calibration data, 2:4 with its note that zeros are not faster, verification, option errors.

import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ElemType, modelBytes } from '../../shared/builder/index.js';
import { encodeNpy } from '../../shared/profile/npy.js';
import { mulberry32 } from '../../shared/verify/prng.js';
import { bertLike } from '../bench/models/bert-like.js';
import { resnetLike } from '../bench/models/resnet-like.js';
import { writeTextImages } from '../bench/text-images.js';
import { ensureBuilt, runCli } from '../helpers/cli.js';

interface ErrorFigures {
  relativeL2: number;
  cosine: number;
  top1Agreement: number | null;
}

interface PruneJson {
  operation: string;
  parametersBefore: number;
  parametersAfter: number;
  sizeBytesBefore: number;
  sizeBytesAfter: number;
  latency: { before: number; after: number; ratio: number };
  sparsityByLayer: { node: string; sparsity: number; skipped?: string }[];
  recovery: { samples: number; heldOutSamples: number; generated: boolean; errorBefore: ErrorFigures; errorAfter: ErrorFigures; heldOutError: { before: ErrorFigures; after: ErrorFigures } | null } | null;
  warnings: string[];
  verification?: { passed: boolean; outputs: { name: string; runtime: number[]; inferred: number[] }[] };
}

let dir: string;
let resnet: string;
const DIMS = ['--dim', 'batch=1', '--dim', 'height=32', '--dim', 'width=32'];

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'owb-prune-cli-'));
  resnet = join(dir, 'resnet.onnx');
  writeFileSync(resnet, modelBytes(resnetLike({ widths: [16, 32], blocksPerStage: 1, classes: 10 }, 4)));
});

describe('prune CLI', () => {
  it('--structured --recover --verify --json: smaller, measured, recovered, verified', () => {
    const out = join(dir, 'structured.onnx');
    const r = runCli('prune', resnet, '-o', out, '--sparsity', '0.5', '--structured', '--recover', '--samples', '6', '--verify', '--json', '--runs', '3', ...DIMS);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out) as PruneJson;
    expect(j.operation).toBe('prune-channels');
    expect(j.parametersAfter).toBeLessThan(j.parametersBefore * 0.55);
    expect(j.sizeBytesAfter).toBeLessThan(j.sizeBytesBefore * 0.6);
    expect(j.latency.ratio).toBeCloseTo(j.latency.after / j.latency.before, 6);
    expect(j.sparsityByLayer.filter((l) => !l.skipped).every((l) => l.sparsity === 0.5)).toBe(true);
    expect(j.sparsityByLayer.find((l) => l.skipped)?.skipped).toMatch(/logits/);
    expect(j.recovery).toMatchObject({ samples: 6, heldOutSamples: 3, generated: true });
    expect(j.recovery!.errorAfter.relativeL2).toBeLessThan(j.recovery!.errorBefore.relativeL2);
    expect(j.recovery!.heldOutError!.after.relativeL2).toBeLessThan(j.recovery!.heldOutError!.before.relativeL2);
    expect(j.verification!.passed).toBe(true);
    expect(j.verification!.outputs[0]).toMatchObject({ name: 'logits', runtime: [1, 10], inferred: [1, 10] });
    expect(j.warnings.join('\n')).toMatch(/generated \(random\)/);
    expect(existsSync(out)).toBe(true);
    // The pruned file opens as any model does (validated on load).
    expect(runCli('inspect', out).code).toBe(0);
  });

  it('recovery on a calibration folder holds out a quarter of the samples', () => {
    const cal = join(dir, 'calibration');
    const random = mulberry32(5);
    for (let k = 0; k < 4; k++) {
      mkdirSync(join(cal, `sample_${k}`), { recursive: true });
      const data = Float32Array.from({ length: 3 * 32 * 32 }, () => random() * 2 - 1);
      writeFileSync(join(cal, `sample_${k}`, 'input.npy'), encodeNpy({ elemType: ElemType.FLOAT, dims: [1, 3, 32, 32], data }));
    }
    const r = runCli('prune', resnet, '-o', join(dir, 'cal.onnx'), '--sparsity', '0.25', '--structured', '--criterion', 'l2', '--recover', '--calibration', cal, '--runs', '3', ...DIMS);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/recovery \(least-squares, 3 samples\)/);
    expect(r.out).toMatch(/held-out \(1 samples\)/);
  });

  it('--criterion reconstruction chooses channels on the calibration samples (progress on stderr) and recovers closer to the original than L1 does', () => {
    const run = (criterion: string) => {
      const r = runCli('prune', resnet, '-o', join(dir, `by-${criterion}.onnx`), '--sparsity', '0.5', '--structured', '--criterion', criterion, '--recover', '--samples', '12', '--runs', '2', '--json', ...DIMS);
      expect(r.code, r.err).toBe(0);
      return JSON.parse(r.out) as PruneJson & { options: { criterion: string } };
    };
    const byData = run('reconstruction');
    expect(byData.options.criterion).toBe('reconstruction');
    expect(byData.parametersAfter / byData.parametersBefore).toBeLessThan(0.4);
    const byNorm = run('l1');
    // Same channel counts, other channels: the error left after recovery is lower.
    expect(byData.parametersAfter).toBe(byNorm.parametersAfter);
    expect(byData.recovery!.errorAfter.relativeL2).toBeLessThan(byNorm.recovery!.errorAfter.relativeL2);
    const text = runCli('prune', resnet, '-o', join(dir, 'by-data.onnx'), '--sparsity', '0.5', '--structured', '--criterion', 'reconstruction', '--samples', '4', '--runs', '2', ...DIMS);
    expect(text.code, text.err).toBe(0);
    expect(text.err).toMatch(/collecting the inputs of the layers reading pruned channels \(\d+ of \d+\)/);
    expect(text.out).not.toMatch(/recovery/);
    expect(text.err).toMatch(/WARNING: channels chosen on generated \(random\) input sets/);
  });

  it('--verify runs the check on the --inputs files (a batch of 2 here), not on generated inputs', () => {
    const inputs = join(dir, 'verify-inputs');
    mkdirSync(inputs, { recursive: true });
    const random = mulberry32(9);
    const data = Float32Array.from({ length: 2 * 3 * 32 * 32 }, () => random() * 2 - 1);
    writeFileSync(join(inputs, 'input.npy'), encodeNpy({ elemType: ElemType.FLOAT, dims: [2, 3, 32, 32], data }));
    const r = runCli('prune', resnet, '-o', join(dir, 'checked.onnx'), '--sparsity', '0.25', '--structured', '--verify', '--inputs', inputs, '--json', '--runs', '2');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out) as PruneJson;
    expect(j.verification!.passed).toBe(true);
    expect(j.verification!.outputs[0]).toMatchObject({ name: 'logits', runtime: [2, 10], inferred: [2, 10] });
  });

  it('recovery on a folder of images, preprocessed by the image flags (--image-channels: --channels names pruned channels)', async () => {
    const images = join(dir, 'images');
    await writeTextImages(images, 8, 40, 48);
    const r = runCli('prune', resnet, '-o', join(dir, 'img.onnx'), '--sparsity', '0.25', '--structured', '--recover', '--calibration', images, '--resize', '32x32', '--image-channels', 'bgr', '--json', '--runs', '2', ...DIMS);
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out) as PruneJson;
    expect(j.recovery).toMatchObject({ samples: 6, heldOutSamples: 2, generated: false });
    const bad = runCli('prune', resnet, '-o', join(dir, 'img2.onnx'), '--structured', '--recover', '--calibration', images, '--image-channels', 'grb', ...DIMS);
    expect(bad.code).toBe(2);
  });

  it('--pattern 2:4: same size, and the note that zeros do not speed up onnxruntime\'s CPU kernels', () => {
    const r = runCli('prune', resnet, '-o', join(dir, 'sparse.onnx'), '--pattern', '2:4', '--runs', '3', ...DIMS);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/zeros alone do not make onnxruntime's CPU kernels faster/);
    expect(r.out).toMatch(/latency: .* ms median/);
    expect(r.out).toMatch(/parameters: (\d+) → \1 /);
  });

  it('--channels picks channels; an unsafe pick is refused naming the node', () => {
    const ok = runCli('prune', resnet, '-o', join(dir, 'picked.onnx'), '--structured', '--channels', 'conv1/Conv=0,3', '--json', '--runs', '2', ...DIMS);
    expect(ok.code, ok.err).toBe(0);
    expect((JSON.parse(ok.out) as PruneJson).sparsityByLayer).toEqual([{ node: 'conv1/Conv', channels: 16, removed: 2, sparsity: 0.125 }]);
    const head = runCli('prune', resnet, '-o', join(dir, 'x.onnx'), '--structured', '--channels', '/MatMul_24=0', ...DIMS);
    expect(head.code).toBe(2);
    expect(head.lines).toEqual([expect.stringMatching(/^onnx-workbench: .*logits.*graph output/)]);
  });

  it('--structured --hidden on a BERT-style model: half the parameters, outputs keep their width, verified, recovered', () => {
    const bert = join(dir, 'bert.onnx');
    writeFileSync(bert, modelBytes(bertLike({ layers: 2, hidden: 64, heads: 4, ffn: 128, vocab: 200, maxPositions: 64 })));
    const r = runCli('prune', bert, '-o', join(dir, 'bert-pruned.onnx'), '--structured', '--hidden', '--sparsity', '0.5', '--recover', '--samples', '8', '--verify', '--json', '--runs', '2', '--dim', 'batch=1', '--dim', 'seq=8');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out) as PruneJson & { summary: string };
    expect(j.parametersAfter / j.parametersBefore).toBeLessThanOrEqual(0.55);
    expect(j.summary).toMatch(/hidden size 64 → \d+ .*not function-preserving/);
    expect(j.verification!.passed).toBe(true);
    expect(j.verification!.outputs.find((o) => o.name === 'last_hidden_state')!.runtime).toEqual([1, 8, 64]);
    expect(j.recovery!.heldOutError!.after.relativeL2).toBeLessThan(j.recovery!.heldOutError!.before.relativeL2);
  });

  it('option errors exit 2 with one line', () => {
    const cases: [string[], RegExp][] = [
      [[], /missing --sparsity/],
      [['--sparsity', '2'], /--sparsity must be a number from 0 to 0.95/],
      [['--sparsity', '0.5', '--channels', 'a=1'], /--criterion, --channels, --hidden and --budget apply to --structured/],
      [['--sparsity', '0.5', '--hidden'], /--criterion, --channels, --hidden and --budget apply to --structured/],
      [['--structured', '--sparsity', '0.5', '--budget', 'flops'], /--budget must be channels or parameters/],
      [['--sparsity', '0.5', '--calibration', dir], /set up --recover and --criterion reconstruction/],
      [['--structured', '--sparsity', '0.5', '--ridge', '0.1'], /--ridge sets up --recover/],
      [['--structured', '--sparsity', '0.5', '--criterion', 'reconstruction', '--channels', 'a=1'], /chooses the channels itself/],
      [['--pattern', '1:4'], /--pattern must be 2:4/],
      [['--structured', '--channels', 'nope=1'], /no node named "nope"/],
      [['--structured', '--pattern', '2:4'], /not with --structured/],
    ];
    for (const [args, message] of cases) {
      const r = runCli('prune', resnet, '-o', join(dir, 'bad.onnx'), ...args);
      expect(r.code, `${args.join(' ')}: ${r.err}`).toBe(2);
      expect(r.lines, args.join(' ')).toEqual([expect.stringMatching(message)]);
    }
  });
});
