import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RuntimeHost, type Progress } from '../../electron/runtime-host/runtime-host.js';
import { ElemType, graph, model, modelBytes, node, tensor, valueInfo } from '../../shared/builder/index.js';
import { ensureHostBuilt } from '../profile/fixtures.js';

// Calibration as the quantize command runs it: in the runtime host, with progress and cancel.

// x [1, 4, 16, 16] → Conv 3×3 (8 channels) → Relu → y; the Relu's range is [0, max].
function convRelu(): Uint8Array {
  const w = Float32Array.from({ length: 8 * 4 * 9 }, (_, i) => Math.sin(i) * 0.3);
  return modelBytes(
    model(
      graph({
        nodes: [node('Conv', ['x', 'w'], ['c'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }), node('Relu', ['c'], ['y'])],
        inputs: [valueInfo('x', ElemType.FLOAT, [1, 4, 16, 16])],
        outputs: [valueInfo('y', ElemType.FLOAT, [1, 8, 16, 16])],
        initializers: [tensor('w', ElemType.FLOAT, [8, 4, 3, 3], w)],
      }),
      { opset: 17 },
    ),
  );
}

const host = new RuntimeHost({ idleTimeoutMs: 30_000 });
beforeAll(ensureHostBuilt);
afterAll(() => host.close());

describe('calibration in the runtime host', () => {
  it('reports progress per sample and gives each tensor its MinMax range', async () => {
    const seen: Progress[] = [];
    const r = await host.calibrate({ model: convRelu(), tensors: ['x', 'c', 'y'], method: 'minmax', samples: 3, dims: {} }, { onProgress: (p) => seen.push(p) });
    expect(r).toMatchObject({ method: 'minmax', samples: 3, generated: true });
    expect(seen.map((p) => `${p.done}/${p.total}`)).toEqual(['0/3', '1/3', '2/3', '3/3']);
    // Generated inputs are uniform in [-1, 1): the input's range is nearly that, the Relu's starts at 0.
    expect(r.ranges.x!.min).toBeGreaterThanOrEqual(-1);
    expect(r.ranges.x!.min).toBeLessThan(-0.99);
    expect(r.ranges.y!.min).toBe(0);
    expect(r.ranges.c!.min).toBeLessThan(0);
    expect(r.ranges.y!.max).toBe(r.ranges.c!.max);
  });

  it('a cancelled calibration stops, and the host serves the next one', async () => {
    const abort = new AbortController();
    const e = await host
      .calibrate({ model: convRelu(), tensors: ['y'], method: 'percentile', samples: 5000, dims: {} }, { signal: abort.signal, onProgress: (p) => p.done === 2 && abort.abort() })
      .catch((x: unknown) => x);
    expect((e as { code?: string }).code).toBe('CANCELLED');
    const r = await host.calibrate({ model: convRelu(), tensors: ['y'], method: 'percentile', samples: 2, dims: {} });
    expect(Object.keys(r.ranges)).toEqual(['y']);
    expect(r.ranges.y!.min).toBe(0);
  });
});
