// `onnx-workbench optimize MODEL -o OUT --recipe FILE` as a user runs it: fusions, static
// quantization calibrated in the runtime host, verification after each step; a step that fails
// its verification stops the run and nothing is written; a bad recipe is one line and exit 2.

import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { modelBytes } from '../../shared/builder/index.js';
import { resnetLike } from '../bench/models/resnet-like.js';
import { ensureBuilt, runCli } from '../helpers/cli.js';

interface StepJson {
  index: number;
  operation: string;
  status: string;
  matches: number;
  nodesBefore: number;
  nodesAfter: number;
  tolerance: string | null;
  verification: { passed: boolean; tolerance: { name: string } } | null;
}
interface RunJson {
  output: string | null;
  passed: boolean;
  failedStep: number | null;
  steps: StepJson[];
  latency?: { before: number; after: number; ratio: number };
}

let dir: string;
let resnet: string;
const verify = { dims: { batch: 1, height: 32, width: 32 } };

function recipeFile(name: string, recipe: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(recipe, null, 2));
  return path;
}

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'owb-recipe-cli-'));
  resnet = join(dir, 'resnet.onnx');
  writeFileSync(resnet, modelBytes(resnetLike({ widths: [8, 16], blocksPerStage: 1, classes: 10 }, 4)));
});

describe('optimize --recipe', () => {
  it('runs fusion, then static quantization calibrated on generated inputs, verifying each step, and profiles the result', async () => {
    const recipe = recipeFile('fuse-quantize.json', {
      version: 1,
      verify,
      profile: { runs: 3, threads: 1 },
      steps: [
        { operation: 'preset:default' },
        { operation: 'quantize-static', options: { perChannel: true }, calibration: { samples: 2 } },
      ],
    });
    const out = join(dir, 'out.onnx');
    const r = runCli('optimize', resnet, '-o', out, '--recipe', recipe, '--json');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out) as RunJson;
    expect(j.passed).toBe(true);
    expect(j.output).toBe(out);
    expect(j.steps.map((s) => [s.operation, s.status])).toEqual([
      ['preset:default', 'applied'],
      ['quantize-static', 'applied'],
    ]);
    const [fuse, quant] = j.steps as [StepJson, StepJson];
    // BatchNormalization folded into the Convs: fewer nodes.
    expect(fuse.nodesAfter).toBeLessThan(fuse.nodesBefore);
    expect(fuse.verification?.passed).toBe(true);
    // Quantization adds Q/DQ pairs; verified against the original at the loosest level so far.
    expect(quant.nodesAfter).toBeGreaterThan(quant.nodesBefore);
    expect(quant.verification).toMatchObject({ passed: true });
    expect(quant.tolerance).toMatch(/int8/);
    expect(j.latency!.before).toBeGreaterThan(0);
    expect(j.latency!.after).toBeGreaterThan(0);
    const s = await ort.InferenceSession.create(out);
    expect(s.inputNames).toEqual(['input']);
    await s.release();
  });

  it('prints progress and one line per step without --json', () => {
    const recipe = recipeFile('fuse.json', { version: 1, verify, steps: [{ operation: 'preset:default' }, { operation: 'preset:default', label: 'again' }] });
    const r = runCli('optimize', resnet, '-o', join(dir, 'fused.onnx'), '--recipe', recipe);
    expect(r.code, r.err).toBe(0);
    expect(r.lines.some((l) => /^step 1\/2 preset:default: /.test(l))).toBe(true);
    expect(r.out).toMatch(/^step 1\/2 preset:default: .*nodes \d+ → \d+; verification \(reassociation\): passed/m);
    // The second run of the preset finds nothing left: not a failure.
    expect(r.out).toMatch(/^step 2\/2 again: nothing to do/m);
  });

  it('stops at the first step whose verification fails, names it, exits 1 and writes nothing', () => {
    const recipe = recipeFile('too-strict.json', {
      version: 1,
      verify: { ...verify, tolerance: 'exact' },
      steps: [
        { operation: 'identity-elimination' },
        { operation: 'quantize-dynamic', options: { ops: ['MatMul', 'Gemm'] } },
        { operation: 'preset:default' },
      ],
    });
    const out = join(dir, 'never.onnx');
    const r = runCli('optimize', resnet, '-o', out, '--recipe', recipe, '--json');
    expect(r.code, r.err).toBe(1);
    const j = JSON.parse(r.out) as RunJson;
    expect(j.passed).toBe(false);
    expect(j.output).toBeNull();
    const failed = j.steps[j.failedStep! - 1]!;
    expect(failed.operation).toBe('quantize-dynamic');
    expect(failed.verification?.passed).toBe(false);
    expect(j.steps).toHaveLength(j.failedStep!);
    expect(r.lines.at(-1)).toMatch(/^onnx-workbench: step \d \(quantize-dynamic\): verification failed at exact: .*; nothing written$/);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a bad recipe with the JSON path of the problem (exit 2), before touching the model', () => {
    const cases: [unknown, RegExp][] = [
      [{ version: 1, steps: [{ operation: 'fuse-everything' }] }, /steps\[0\]\.operation: unknown operation "fuse-everything"/],
      [{ version: 1, steps: [{ operation: 'preset:default' }, { operation: 'quantize-dynamic', options: { perChannel: 'yes' } }] }, /steps\[1\]\.options\.perChannel: .*expected boolean/],
      [{ version: 1, verify: { dims: { batch: -1 } }, steps: [{ operation: 'preset:default' }] }, /verify\.dims\.batch: /],
      [{ version: 1, steps: [{ operation: 'ort-fuse-attention' }] }, /steps\[0\]\.operation: ort-fuse-attention emits onnxruntime .* target is portable/],
    ];
    for (const [json, message] of cases) {
      const r = runCli('optimize', resnet, '-o', join(dir, 'bad.onnx'), '--recipe', recipeFile('bad.json', json));
      expect(r.code, r.err).toBe(2);
      expect(r.lines).toHaveLength(1);
      expect(r.lines[0]).toMatch(message);
    }
    const notJson = join(dir, 'not.json');
    writeFileSync(notJson, '{"version": 1, steps: []}');
    const r = runCli('optimize', resnet, '-o', join(dir, 'bad.onnx'), '--recipe', notJson);
    expect(r.code).toBe(2);
    expect(r.lines[0]).toMatch(/not\.json: not JSON/);
    expect(runCli('optimize', resnet, '-o', join(dir, 'bad.onnx'), '--recipe', notJson, '--preset', 'default').lines[0]).toMatch(/--preset does not combine with --recipe/);
  });

  it('recipe-schema prints the JSON Schema generated from the registry', () => {
    const r = runCli('recipe-schema');
    expect(r.code, r.err).toBe(0);
    const schema = JSON.parse(r.out) as { properties: { steps: { items: { anyOf: { properties: { operation: { const: string } } }[] } } } };
    const names = schema.properties.steps.items.anyOf.map((s) => s.properties.operation.const);
    const passes = JSON.parse(runCli('passes', '--json').out) as { passes: { name: string }[] };
    for (const p of passes.passes) expect(names).toContain(p.name);
    expect(names).toContain('quantize-static');
    expect(names).toContain('preset:default');
  });
});
