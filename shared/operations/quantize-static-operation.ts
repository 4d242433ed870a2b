import '../protocol/zod-config.js';
import { z } from 'zod';
import { WorkbenchError } from '../errors.js';
import type { NodeId } from '../ir/journal.js';
import type { IrModel } from '../ir/model.js';
import { keepingInitializerInputs } from '../quantize/initializer-inputs.js';
import { applyStatic } from '../quantize/insert-qdq.js';
import { STATIC_OPS, type StaticQuantOptions } from '../quantize/static-options.js';
import { planStatic, rangesNeeded, type StaticPlan } from '../quantize/static-plan.js';
import { MIN_WEIGHT_SQNR_DB } from '../quantize/weight-fidelity.js';
import { decodeTensor } from '../rewrite/value-facts.js';
import type { Operation, OperationRuntime } from './operation.js';

// Static int8 quantization (QDQ) as an operation. The ranges come with the options: the host
// calibrates first (electron/runtime/calibrate.ts on the tensors `staticRangesNeeded` names),
// so that the operation itself stays pure and a replay of the journal step needs no data.

const range = z.strictObject({ min: z.number(), max: z.number() });

export const staticOptionsSchema = z.strictObject({
  activationType: z.enum(['uint8', 'int8']).default('uint8'),
  symmetric: z.boolean().default(false),
  perChannel: z.boolean().default(false),
  reduceRange: z.boolean().default(false),
  ops: z.array(z.enum(STATIC_OPS as [string, ...string[]])).min(1).optional(),
  exclude: z.array(z.string().min(1)).default([]),
  /** A Conv/Gemm/MatMul whose int8 weight keeps less than this SQNR (dB) stays in float (absent: MIN_WEIGHT_SQNR_DB); 0: none. */
  minWeightSqnrDb: z.number().min(0).optional(),
  /** Calibrated ranges by tensor name. */
  ranges: z.record(z.string(), range).optional(),
});

export type StaticOperationOptions = z.infer<typeof staticOptionsSchema>;

function reader(model: IrModel, runtime: OperationRuntime) {
  const ext = runtime.externalBytes ?? (() => undefined);
  const floats = (name: string): ArrayLike<number> => {
    const t = model.graph.initializers.get(name);
    const v = t ? decodeTensor(t, ext) : undefined;
    if (!v || Array.isArray(v)) throw new WorkbenchError('TENSOR_DATA', `quantize-static: cannot read the values of initializer '${name}'`);
    return v as ArrayLike<number>;
  };
  const scalar = (name: string): number | undefined => {
    const t = model.graph.initializers.get(name);
    const v = t ? decodeTensor(t, ext) : undefined;
    return v && !Array.isArray(v) && v.length === 1 ? Number(v[0]) : undefined;
  };
  return { floats, scalar };
}

function quantOptions(o: StaticOperationOptions): StaticQuantOptions {
  return { activationType: o.activationType, symmetric: o.symmetric, perChannel: o.perChannel, reduceRange: o.reduceRange, exclude: o.exclude, minWeightSqnrDb: o.minWeightSqnrDb ?? MIN_WEIGHT_SQNR_DB, ...(o.ops ? { ops: o.ops } : {}) };
}

/** The plan for `options` on the model (nodes, tensors); nothing changes. */
export function staticPlanOf(model: IrModel, options: StaticOperationOptions, scope: ReadonlySet<NodeId> | undefined, runtime: OperationRuntime = {}): StaticPlan {
  const r = reader(model, runtime);
  return planStatic(model, quantOptions(options), scope, r.scalar, r.floats);
}

/** The tensors whose calibrated ranges the operation needs with these options. */
export function staticRangesNeeded(model: IrModel, options: StaticOperationOptions, scope: ReadonlySet<NodeId> | undefined, runtime: OperationRuntime = {}): string[] {
  return rangesNeeded(staticPlanOf(model, options, scope, runtime));
}

export const quantizeStaticOperation: Operation<StaticOperationOptions> = {
  name: 'quantize-static',
  description: 'static int8 quantization (QDQ): Conv, ConvTranspose, Gemm, MatMul and the ops between them, weights int8, activations from calibrated ranges',
  group: 'quantization',
  target: 'portable',
  options: staticOptionsSchema,
  tolerance: 'int8',
  requires: [],
  // Ranges need calibration data: the panel asks for it rather than running with defaults.
  optionsFor: () => undefined,
  async run(ctx) {
    const plan = staticPlanOf(ctx.model, ctx.options, ctx.scope, ctx.runtime);
    const coarse = plan.coarseWeights.length
      ? `; left in float, their int8 weights too coarse (SQNR < ${ctx.options.minWeightSqnrDb ?? MIN_WEIGHT_SQNR_DB} dB): ${plan.coarseWeights.map((c) => `${c.node.name || c.node.opType} ${c.sqnrDb.toFixed(1)} dB`).join(', ')}`
      : '';
    if (!plan.nodes.length) return { matches: 0, summary: `nothing to quantize${coarse}` };
    const needed = rangesNeeded(plan);
    if (!ctx.options.ranges) throw new WorkbenchError('NEEDS_CALIBRATION', `quantize-static: needs calibrated ranges of ${needed.length} tensors (onnx-workbench quantize --mode static calibrates them)`);
    ctx.progress(0, 1, 'inserting QuantizeLinear/DequantizeLinear');
    const ranges = new Map(Object.entries(ctx.options.ranges));
    const r = keepingInitializerInputs(ctx.model, () => applyStatic(ctx.model, plan, ranges, quantOptions(ctx.options), reader(ctx.model, ctx.runtime).floats));
    ctx.progress(1, 1, 'quantized');
    return { matches: r.quantizedNodes, summary: `${r.quantizedNodes} nodes quantized (${r.weights} weights/biases int8/int32, ${r.qdqPairs} Q/DQ pairs, ${r.foldedActivations} Relu/Clip folded)${coarse}` };
  },
};
