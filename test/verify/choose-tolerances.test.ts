import { describe, expect, it } from 'vitest';
import { attrGraph, ElemType, graph, model, node, tensor, valueInfo } from '../../shared/builder/index.js';
import { IrModel } from '../../shared/ir/model.js';
import { chooseTolerances, type FiredPass } from '../../shared/verify/choose-tolerances.js';
import { compareTensors } from '../../shared/verify/compare.js';
import { lowPrecisionOutputs, type LowPrecisionValue } from '../../shared/verify/low-precision-outputs.js';
import type { TensorData } from '../../shared/verify/tensor-data.js';
import { looserOf, ROUNDING_ULPS, TOLERANCES, type Tolerance } from '../../shared/verify/tolerance.js';

const F = ElemType.FLOAT;
const H = ElemType.FLOAT16;
const BF = ElemType.BFLOAT16;

// y32 = Relu(x) in float32; y16 = Cast(Relu(Cast(x, float16)), float); yw = x * Cast(w16, float).
function mixed() {
  return new IrModel(
    model(
      graph({
        nodes: [
          node('Relu', ['x'], ['y32']),
          node('Cast', ['x'], ['xh'], { to: H }),
          node('Relu', ['xh'], ['rh'], undefined, { name: 'relu_h' }),
          node('Cast', ['rh'], ['y16'], { to: F }),
          node('Cast', ['w16'], ['w'], { to: F }),
          node('Mul', ['x', 'w'], ['yw']),
        ],
        inputs: [valueInfo('x', F, [4])],
        outputs: [valueInfo('y32', F), valueInfo('y16', F), valueInfo('yw', F)],
        initializers: [tensor('w16', H, [4], [1, 2, 3, 4])],
      }),
    ),
  );
}

describe('lowPrecisionOutputs', () => {
  it('finds outputs computed through float16 and names the value; float16 weights cast to float32 are exact', () => {
    const low = lowPrecisionOutputs(mixed());
    expect([...low.keys()]).toEqual(['y32', 'y16', 'yw']);
    expect(low.get('y32')).toBeUndefined();
    expect(low.get('yw')).toBeUndefined();
    // The Cast to float16 computes 'xh' first: the walk may name either float16 value on the path.
    expect(low.get('y16')).toMatchObject({ elemType: H });
    expect(['xh', 'rh']).toContain(low.get('y16')!.value);
  });

  it('reports bfloat16 over float16 where both are on the path, and looks inside subgraphs', () => {
    const branch = (op: string, out: string) =>
      graph({ name: op, nodes: [node('Cast', ['x'], [`${out}_b`], { to: BF }), node(op, [`${out}_b`], [`${out}_o`]), node('Cast', [`${out}_o`], [out], { to: F })], outputs: [valueInfo(out, F)] });
    const m = new IrModel(
      model(
        graph({
          nodes: [
            node('Cast', ['x'], ['xh'], { to: H }),
            node('Cast', ['xh'], ['xf'], { to: F }),
            node('If', ['c'], ['z'], { then_branch: attrGraph(branch('Neg', 't')), else_branch: attrGraph(branch('Abs', 'e')) }),
            node('Add', ['xf', 'z'], ['y']),
          ],
          inputs: [valueInfo('x', F, [4]), valueInfo('c', ElemType.BOOL, [])],
          outputs: [valueInfo('y', F), valueInfo('z', F), valueInfo('xf', F)],
        }),
      ),
    );
    const low = lowPrecisionOutputs(m);
    expect(low.get('y')?.elemType).toBe(BF);
    expect(low.get('z')?.elemType).toBe(BF);
    expect(low.get('xf')).toMatchObject({ elemType: H, value: 'xh' });
  });
});

const exactPass: FiredPass = { name: 'dead-code-elimination', numerics: 'exact' };
const foldPass: FiredPass = { name: 'constant-folding', numerics: 'folding' };
const fusePass: FiredPass = { name: 'fuse-matmul-add', numerics: 'reassociation' };
const f16 = (value: string): LowPrecisionValue => ({ elemType: H, value, node: '"n" (Relu)' });
const outputs = (entries: [string, LowPrecisionValue | undefined][]) => new Map(entries);

describe('chooseTolerances', () => {
  it('takes the loosest level of the passes that fired, with a reason naming them', () => {
    const float32 = outputs([['y', undefined]]);
    expect(chooseTolerances([], float32).tolerance).toMatchObject({ name: 'exact', reason: 'no pass changed the model' });
    expect(chooseTolerances([exactPass], float32).tolerance.reason).toBe('only rewrites that keep every float operation and its order (dead-code-elimination)');
    const folding = chooseTolerances([exactPass, foldPass], float32);
    expect(folding.tolerance).toMatchObject({ ...TOLERANCES.folding, reason: expect.stringMatching(/^constant folding \(constant-folding\)/) });
    expect(chooseTolerances([foldPass, fusePass, exactPass], float32).tolerance).toMatchObject({ name: 'reassociation', reason: 'fusions reorder float math (fuse-matmul-add)' });
    expect(folding.outputs).toEqual({});
  });

  it('never loosens float32 outputs: only outputs through float16 get their own tolerance', () => {
    const c = chooseTolerances([exactPass], outputs([['y32', undefined], ['y16', f16('rh')]]));
    expect(c.tolerance).toMatchObject({ ...TOLERANCES.exact });
    expect(Object.keys(c.outputs)).toEqual(['y16']);
    expect(c.outputs.y16).toMatchObject({ ...TOLERANCES['float16-rounding'] });
    expect(c.outputs.y16!.reason).toMatch(/^'y16' is computed through float16 \('rh' from "n" \(Relu\)\): .* within 8 float16 ulps/);
  });

  it('one tolerance for the result when every output goes through float16; over fusions, the looser of both', () => {
    const all = outputs([['a', f16('p')], ['b', f16('q')]]);
    const c = chooseTolerances([exactPass], all);
    expect(c.outputs).toEqual({});
    expect(c.tolerance).toMatchObject({ ...TOLERANCES['float16-rounding'], reason: expect.stringMatching(/^every output is computed through float16/) });
    const fused = chooseTolerances([fusePass], all).tolerance;
    expect(fused.name).toBe('reassociation+float16-rounding');
    expect(fused).toMatchObject({ atol: 1e-4, rtol: TOLERANCES['float16-rounding'].rtol, minCosine: 0.99999 });
    expect(fused.reason).toMatch(/^fusions reorder float math \(fuse-matmul-add\); every output is computed through float16/);
  });

  it('bfloat16 paths get bfloat16 ulps, with their own reason', () => {
    const c = chooseTolerances([foldPass], outputs([['a', { elemType: BF, value: 'p', node: '#1 (MatMul)' }], ['b', undefined]]));
    expect(c.tolerance).toMatchObject({ ...TOLERANCES.folding });
    expect(c.outputs.a).toMatchObject({ name: 'folding+bfloat16-rounding', rtol: TOLERANCES['bfloat16-rounding'].rtol, atolOfRange: TOLERANCES['bfloat16-rounding'].atolOfRange });
    expect(c.outputs.a!.reason).toMatch(/; 'a' is computed through bfloat16 \('p' from #1 \(MatMul\)\): values are rounded to bfloat16 wherever the graph holds them/);
  });
});

describe('the rounding levels', () => {
  const t = (values: number[]): TensorData => ({ elemType: F, dims: [values.length], values: Float32Array.from(values) });
  // 64 values in [-3, 3], one of them near zero.
  const x = Array.from({ length: 64 }, (_, i) => (i === 3 ? 0.001 : 3 * Math.sin(i * 1.3)));
  const ulp16 = 2 ** -10;

  it('are the looser of exact in every field and stated in ulps of the type', () => {
    for (const name of ['float16-rounding', 'bfloat16-rounding'] as const) {
      const level = TOLERANCES[name];
      expect(looserOf(TOLERANCES.exact, level)).toMatchObject({ atol: level.atol, rtol: level.rtol, atolOfRange: level.atolOfRange });
    }
    expect(TOLERANCES['float16-rounding'].rtol).toBe(ROUNDING_ULPS * ulp16);
    expect(TOLERANCES['bfloat16-rounding'].rtol).toBe(ROUNDING_ULPS * 2 ** -7);
  });

  it('pass a few float16 ulps of the values and of the range (near-zero elements too), not a real error', () => {
    const range = Math.max(...x.map(Math.abs));
    // Rounding moves some elements, each by a few ulps, with either sign.
    const ulps = (k: number, every: number) => x.map((v, i) => (i % every ? v : v + (i % 2 ? -1 : 1) * k * ulp16 * Math.max(Math.abs(v), 1)));
    expect(compareTensors(t(x), t(ulps(4, 3)), TOLERANCES['float16-rounding']).passed).toBe(true);
    expect(compareTensors(t(x), t(ulps(4, 3)), TOLERANCES.exact).passed).toBe(false);
    // Every element off by 4 ulps is an error norm of 4 ulps of the output's: beyond the cosine bound.
    expect(compareTensors(t(x), t(ulps(4, 1)), TOLERANCES['float16-rounding']).reason).toMatch(/^cosine similarity/);
    // The near-zero element moved by 4 ulps of the range: allowed; by 40 ulps of itself and of the range: not.
    const nearZero = [...x];
    nearZero[3] = x[3]! + 4 * ulp16 * range;
    expect(compareTensors(t(x), t(nearZero), TOLERANCES['float16-rounding']).passed).toBe(true);
    nearZero[3] = x[3]! + 40 * ulp16 * range;
    expect(compareTensors(t(x), t(nearZero), TOLERANCES['float16-rounding']).passed).toBe(false);
  });

  it('looserOf keeps the cosine bound either side sets, and both reasons', () => {
    const a: Tolerance = { ...TOLERANCES.exact, reason: 'a' };
    const b: Tolerance = { ...TOLERANCES['float16-rounding'], reason: 'b' };
    expect(looserOf(a, b)).toMatchObject({ name: 'exact+float16-rounding', minCosine: b.minCosine, reason: 'a; b' });
    expect(looserOf(a, a)).toEqual(a);
  });
});
