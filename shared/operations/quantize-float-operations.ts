import '../protocol/zod-config.js';
import { z } from 'zod';
import { WorkbenchError } from '../errors.js';
import { convertToHalf } from '../quantize/float/convert-to-half.js';
import { HALF_FORMATS, type HalfKind } from '../quantize/float/half-format.js';
import { DEFAULT_OP_BLOCK_LIST } from '../quantize/float/op-rules.js';
import { removeRedundantCasts } from '../quantize/float/remove-redundant-casts.js';
import { inferTypes } from '../rewrite/shape-facts.js';
import { ValueFacts } from '../rewrite/value-facts.js';
import type { Graph } from '../ir/graph.js';
import type { NodeId } from '../ir/journal.js';
import type { IrNode } from '../ir/node.js';
import { allGraphs, IrModel } from '../ir/model.js';
import { orderNodes } from '../ir/topo-order.js';
import { searchMixedPrecision, type MixedPrecisionResult } from '../quantize/float/mixed-precision.js';
import { resolveTolerance } from '../verify/tolerance.js';
import type { Operation, OperationContext } from './operation.js';
import { throwIfCancelled } from './pass-operations.js';

// float16 and bfloat16 conversion as operations `quantize-fp16` and `quantize-bf16`.

const options = z.strictObject({
  blockOps: z.array(z.string().min(1)).default([]).describe('operator types kept in float32, besides the default list'),
  defaultBlockList: z.boolean().default(true).describe(`also keep the default list in float32 (${DEFAULT_OP_BLOCK_LIST.join(', ')})`),
  blockNodes: z.array(z.string().min(1)).default([]).describe('names of nodes kept in float32'),
  outOfRange: z.enum(['keep', 'clamp']).default('keep').describe('nodes whose weights exceed the format\'s range: keep them in float32, or clamp those values to its largest'),
  mixedPrecision: z.boolean().default(false).describe('keep in float32 the nodes (found by bisection, running the model) without which outputs leave the tolerance'),
  mixedPrecisionTolerance: z.string().min(1).optional().describe('tolerance level the mixed-precision search keeps outputs within (default: fp16 or bf16)'),
  provider: z.enum(['cpu', 'gpu']).default('cpu').describe('where the result will run: onnxruntime CPU has 16-bit kernels for few ops'),
});

export type HalfOptions = z.infer<typeof options>;

const GPU_NOTE: Record<HalfKind, string> = {
  fp16: 'meant for a GPU provider (CUDA, DirectML, WebGPU): onnxruntime CPU has float16 kernels for few operators and casts around the rest, so it runs slower there than float32',
  bf16: 'meant for a GPU provider with bfloat16 kernels (CUDA on Ampere or newer): onnxruntime CPU has no bfloat16 kernels for most operators and may refuse to run it',
};

function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

/**
 * The nodes of a model paired with those of a fresh IR of its saved form: that form writes each
 * graph's nodes in orderNodes' order, and the fresh IR numbers them in the order it reads them.
 */
function pairNodes(own: Graph, fresh: Graph, maps = { toFresh: new Map<NodeId, NodeId>(), fromFresh: new Map<NodeId, IrNode>() }) {
  const theirs = [...fresh.nodes];
  orderNodes(own).forEach((n, i) => {
    const f = theirs[i]!;
    maps.toFresh.set(n.id, f.id);
    maps.fromFresh.set(f.id, n);
    n.subgraphs.forEach((s, k) => pairNodes(s.graph, f.subgraphs[k]!.graph, maps));
  });
  return maps;
}

/**
 * The mixed-precision search on a copy of the model, mapped back to the model's own nodes: the
 * scope to convert (the selection, or every node, less the nodes kept) and their labels.
 */
async function mixedPrecision(ctx: OperationContext<HalfOptions>, kind: HalfKind, convert: (m: IrModel, scope: ReadonlySet<NodeId> | undefined) => NodeId[]) {
  const runModel = ctx.runtime.runModel;
  if (!runModel) throw new WorkbenchError('NEEDS_RUNTIME', `quantize-${kind}: mixed precision runs the model to compare outputs, and this host lends no model runner`);
  const tolerance = resolveTolerance(ctx.options.mixedPrecisionTolerance ?? kind);
  const base = ctx.model.toProto();
  const { toFresh, fromFresh } = pairNodes(ctx.model.graph, new IrModel(base).graph);
  const scope = ctx.scope ? new Set([...ctx.scope].flatMap((id) => (toFresh.has(id) ? [toFresh.get(id)!] : []))) : undefined;
  const result: MixedPrecisionResult = await searchMixedPrecision(base, convert, runModel, tolerance, {
    ...(scope ? { scope } : {}),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    progress: (runs, message) => ctx.progress(0, 2, `mixed precision, run ${runs}: ${message}`),
  });
  const kept = new Set(result.keep.map((id) => fromFresh.get(id)!.id));
  const allowed = ctx.scope ?? new Set(toFresh.keys());
  return { result, tolerance: tolerance.name, kept: result.keep.map((id) => fromFresh.get(id)!.label), scope: new Set([...allowed].filter((id) => !kept.has(id))) };
}

/** The float16 or bfloat16 conversion as an operation. */
export function halfOperation(kind: HalfKind): Operation<HalfOptions> {
  const format = HALF_FORMATS[kind];
  const typeName = kind === 'fp16' ? 'float16' : 'bfloat16';
  return {
    name: `quantize-${kind}`,
    description: `convert float32 weights and computations to ${typeName}, keeping the model's input and output types (Casts at the boundaries and around float32 ops)`,
    group: 'quantization',
    target: 'portable',
    options,
    tolerance: kind,
    requires: ['shapes'],
    // Not offered by itself when a panel lists what applies: a dry run re-encodes every weight
    // (seconds on a large model), and precision is the user's choice rather than a suggestion.
    optionsFor: () => undefined,
    async run(ctx) {
      const { model, options: o } = ctx;
      ctx.progress(0, 2, `converting to ${typeName}`);
      const infer = ctx.runtime.inferTypes ?? inferTypes;
      const facts = new ValueFacts(model, infer, ctx.runtime.externalBytes);
      const blockOps = new Set([...(o.defaultBlockList ? DEFAULT_OP_BLOCK_LIST : []), ...o.blockOps]);
      const convert = (m: IrModel, scope: ReadonlySet<NodeId> | undefined, f = new ValueFacts(m, infer, ctx.runtime.externalBytes)) =>
        convertToHalf(m, f, { format, blockOps, blockNodes: o.blockNodes, scope, outOfRange: o.outOfRange });
      const amp = o.mixedPrecision ? await mixedPrecision(ctx, kind, (m, scope) => convert(m, scope).convertedIds) : undefined;
      const r = convert(model, amp?.scope ?? ctx.scope, facts);
      if (!r.convertedNodes && !r.convertedWeights) {
        const where = ctx.scope ? 'in the selection' : 'in the model';
        throw new WorkbenchError('NOT_APPLICABLE', `quantize-${kind}: no float32 computation to convert ${where}`);
      }
      throwIfCancelled(ctx.signal, `quantize-${kind}`);
      ctx.progress(1, 2, 'removing redundant Casts');
      const after = new ValueFacts(model, infer, ctx.runtime.externalBytes);
      let removed = 0;
      for (const g of [...allGraphs(model.graph)]) removed += removeRedundantCasts(g, (v) => after.tensor(g, v)?.elemType);
      ctx.progress(2, 2, `quantize-${kind}`);
      const parts = [
        `${plural(r.convertedNodes, 'node')} to ${typeName}`,
        `${plural(r.keptNodes, 'node')} kept in float32`,
        `${plural(r.castsInserted - removed, 'Cast')} added`,
        `${plural(r.clamped, 'weight value')} clamped to ±${Number(format.max.toPrecision(5))}`,
      ];
      if (amp) parts.push(`mixed precision: ${plural(amp.result.keep.length, 'node')} kept in float32${amp.kept.length ? ` (${amp.kept.slice(0, 5).join(', ')}${amp.kept.length > 5 ? ', …' : ''})` : ''} after ${plural(amp.result.runs, 'run')}, within ${amp.tolerance}`);
      if (r.keptForRange) parts.push(`${plural(r.keptForRange, 'node')} kept in float32 for weights beyond ±${Number(format.max.toPrecision(5))}`);
      if (r.flushed) parts.push(`${plural(r.flushed, 'tiny weight value')} now 0`);
      const summary = `${parts.join(', ')}${o.provider === 'cpu' ? `; ${GPU_NOTE[kind]}` : ''}`;
      return {
        matches: r.convertedNodes,
        summary,
        parts: [
          { name: 'converted-nodes', matches: r.convertedNodes },
          { name: 'kept-nodes', matches: r.keptNodes },
          { name: 'converted-weights', matches: r.convertedWeights },
          { name: 'clamped-values', matches: r.clamped },
          { name: 'kept-for-range', matches: r.keptForRange },
          { name: 'casts-inserted', matches: r.castsInserted },
          { name: 'casts-removed', matches: removed },
          ...(amp ? [{ name: 'mixed-precision-kept', matches: amp.result.keep.length }] : []),
        ],
      };
    },
  };
}
