import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { ElemType, graph, model, modelBytes, node, tensor, valueInfo } from '../../shared/builder/index.js';
import { IrModel } from '../../shared/ir/model.js';
import type { IrNode } from '../../shared/ir/node.js';
import { encodeModel } from '../../shared/onnx/model-codec.js';
import type { ModelProto } from '../../shared/onnx/proto-types.js';
import { concatSegments } from '../../shared/proto/wire-writer.js';
import { deadCodeElimination } from '../../shared/passes/cleanup/dead-code.js';
import { identityElimination } from '../../shared/passes/cleanup/identity-elimination.js';
import { unusedInitializers } from '../../shared/passes/cleanup/unused-initializers.js';
import { runPasses } from '../../shared/rewrite/pass-manager.js';
import { op } from '../../shared/rewrite/pattern.js';
import { patternPass } from '../../shared/rewrite/pattern-pass.js';

const bytesOf = (m: IrModel) => concatSegments(encodeModel(m.toProto()));
const nodeByName = (m: IrModel, name: string): IrNode => [...m.graph.nodes].find((n) => n.name === name)!;

async function outputs(m: ModelProto | IrModel, feeds: Record<string, ort.Tensor>): Promise<Record<string, number[]>> {
  const bytes = m instanceof IrModel ? bytesOf(m) : modelBytes(m);
  const s = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled' });
  const out = await s.run(feeds);
  await s.release();
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Array.from(v.data as Float32Array)]));
}

/** Neg(Neg(x)) is x: a toy rule that exercises matching, guards and provenance. */
const doubleNegation = patternPass({
  name: 'double-negation',
  description: 'test rule',
  target: 'portable',
  numerics: 'exact',
  rules: [
    {
      pattern: op('Neg', [op('Neg', ['x'], { as: 'inner' })], { as: 'outer' }),
      rewrite: (m) => ({ nodes: [{ opType: 'Identity', inputs: [m.values.x!], outputs: [m.root.outputs[0]!], name: 'x_again' }] }),
    },
  ],
});

function chain(): ModelProto {
  return model(
    graph({
      nodes: [
        node('Neg', ['x'], ['n1'], {}, { name: 'neg1' }),
        node('Neg', ['n1'], ['n2'], {}, { name: 'neg2' }),
        node('Relu', ['n2'], ['r'], {}, { name: 'relu' }),
        node('Identity', ['r'], ['y'], {}, { name: 'id_out' }),
        node('Sigmoid', ['x'], ['dead1'], {}, { name: 'dead1' }),
        node('Exp', ['dead1'], ['dead2'], {}, { name: 'dead2' }),
        node('Add', ['r', 'unused_w'], ['dead3'], {}, { name: 'dead3' }),
      ],
      inputs: [valueInfo('x', ElemType.FLOAT, [2, 3])],
      outputs: [valueInfo('y', ElemType.FLOAT, [2, 3])],
      initializers: [tensor('unused_w', ElemType.FLOAT, [3], [1, 2, 3])],
    }),
  );
}

const feeds = { x: new ort.Tensor('float32', Float32Array.from([-1, 2, -3, 4, -5, 6]), [2, 3]) };

describe('rewrite engine', () => {
  it('runs passes to a fixpoint, with per-pass statistics, keeping outputs', async () => {
    const m = new IrModel(chain());
    const before = await outputs(m, feeds);
    const r = await runPasses(m, [doubleNegation, identityElimination, deadCodeElimination, unusedInitializers], { target: 'portable' });
    expect(r.nodesBefore).toBe(7);
    // double negation → Identity, then both Identities go, dead branch goes: only Relu remains.
    expect([...m.graph.nodes].map((n) => n.opType)).toEqual(['Relu']);
    expect(r.nodesAfter).toBe(1);
    expect(r.passes.find((p) => p.name === 'double-negation')).toMatchObject({ matches: 1, nodesBefore: 7, nodesAfter: 6 });
    expect(r.passes.find((p) => p.name === 'dead-code-elimination')!.matches).toBe(3);
    expect(m.graph.initializers.size).toBe(0);
    // The graph output keeps its name: Relu now writes "y" directly.
    expect([...m.graph.nodes][0]!.outputs).toEqual(['y']);
    expect(await outputs(m, feeds)).toEqual(before);
  });

  it('records provenance: a rewritten node derives from the nodes it replaced', async () => {
    const m = new IrModel(chain());
    const neg1 = nodeByName(m, 'neg1').id;
    const neg2 = nodeByName(m, 'neg2').id;
    await runPasses(m, [doubleNegation], { target: 'portable' });
    expect(nodeByName(m, 'x_again').origins).toEqual([neg1, neg2]);
    expect(m.journal.history().map((t) => t.label)).toEqual(['double-negation']);
  });

  it('fires only on matches entirely inside the scope', async () => {
    const m = new IrModel(chain());
    const neg2 = nodeByName(m, 'neg2').id;
    const r = await runPasses(m, [doubleNegation], { target: 'portable', scope: [neg2] });
    expect(r.passes[0]!.matches).toBe(0);
    const both = [nodeByName(m, 'neg1').id, neg2];
    expect((await runPasses(m, [doubleNegation], { target: 'portable', scope: both })).passes[0]!.matches).toBe(1);
  });

  it('does not fuse when an intermediate value is read elsewhere', async () => {
    const m = new IrModel(
      model(
        graph({
          nodes: [node('Neg', ['x'], ['n1']), node('Neg', ['n1'], ['n2']), node('Add', ['n1', 'n2'], ['y'])],
          inputs: [valueInfo('x', ElemType.FLOAT, [2])],
          outputs: [valueInfo('y', ElemType.FLOAT, [2])],
        }),
      ),
    );
    expect((await runPasses(m, [doubleNegation], { target: 'portable' })).passes[0]!.matches).toBe(0);
  });

  it('keeps nodes whose outputs only an If branch reads', async () => {
    const branch = (name: string) => graph({ name, nodes: [node('Identity', ['hidden'], [`${name}_out`])], outputs: [`${name}_out`] });
    const m = new IrModel(
      model(
        graph({
          nodes: [node('Neg', ['x'], ['hidden'], {}, { name: 'feeds_branch' }), node('If', ['c'], ['y'], { then_branch: branch('t'), else_branch: branch('e') })],
          inputs: [valueInfo('x', ElemType.FLOAT, [1]), valueInfo('c', ElemType.BOOL, [])],
          outputs: [valueInfo('y', ElemType.FLOAT, [1])],
        }),
      ),
    );
    await runPasses(m, [identityElimination, deadCodeElimination], { target: 'portable' });
    expect(nodeByName(m, 'feeds_branch')).toBeDefined();
    const out = await outputs(m, { x: new ort.Tensor('float32', [3], [1]), c: new ort.Tensor('bool', [true], []) });
    expect(out.y).toEqual([-3]);
  });

  it('a dry run reports the changes and leaves the model as it was', async () => {
    const m = new IrModel(chain());
    const before = bytesOf(m);
    const r = await runPasses(m, [doubleNegation, identityElimination, deadCodeElimination], { target: 'portable', dryRun: true });
    expect(r.nodesAfter).toBeLessThan(r.nodesBefore);
    expect(Buffer.compare(Buffer.from(bytesOf(m)), Buffer.from(before))).toBe(0);
    expect(m.journal.state).toBe(0);
  });

  it('undo after a run restores the original bytes', async () => {
    const m = new IrModel(chain());
    const before = bytesOf(m);
    await runPasses(m, [doubleNegation, identityElimination, deadCodeElimination, unusedInitializers], { target: 'portable' });
    while (m.journal.canUndo) m.journal.undo();
    expect(Buffer.compare(Buffer.from(bytesOf(m)), Buffer.from(before))).toBe(0);
  });
});
