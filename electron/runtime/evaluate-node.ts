// Constant folding's evaluator: a node whose inputs are all constant runs in onnxruntime as a
// model of its own (the inputs as initializers), so folded values are exactly what onnxruntime
// computes for the node, as onnxsim does it, not what a hand-written interpreter thinks.

import type * as ort from 'onnxruntime-node';
import { WorkbenchError } from '../../shared/errors.js';
import { encodeModel } from '../../shared/onnx/model-codec.js';
import type { GraphProto, ModelProto, NodeProto, TensorProto } from '../../shared/onnx/proto-types.js';
import { concatSegments } from '../../shared/proto/wire-writer.js';
import type {
  ConstantEvaluator,
  EvaluationContext,
  EvaluationOutcome,
  EvaluationRequest,
} from '../../shared/verify/constant-evaluator.js';
import { createCheckSession, releaseSession, runCheckSession } from './ort-session.js';
import { ortTensorToProto } from './ort-tensors.js';

export interface EvaluatorOptions {
  /**
   * Threads per operator. Defaults to 1: folded tensors are small, and every session with more
   * threads starts a thread pool of its own, which costs more than the work.
   */
  intraOpThreads?: number;
}

/** What a node is called in messages: its name, else its op type and first output. */
function nodeLabel(n: NodeProto): string {
  const op = n.domain ? `${n.domain}:${n.opType}` : (n.opType ?? '?');
  return n.name ? `node '${n.name}' (${op})` : `${op} node producing '${n.output?.[0] ?? ''}'`;
}

interface Wired {
  graph: GraphProto;
  /** Per request, per node output position: the graph output's name, or '' where omitted. */
  outputs: string[][];
}

// Requests wired into one graph under fresh names (r<k>_in<j>, r<k>_out<j>), so nodes that share
// tensor names, or use one tensor twice, cannot collide.
function wire(requests: readonly EvaluationRequest[]): Wired {
  const nodes: NodeProto[] = [];
  const initializers: TensorProto[] = [];
  const outputs: string[][] = [];
  requests.forEach(({ node, inputs }, k) => {
    const ins = (node.input ?? []).map((name, j) => {
      if (name === '') return '';
      const t = inputs[j];
      if (!t) throw new WorkbenchError('EVALUATE_NODE', `${nodeLabel(node)}: input ${j} ('${name}') is not a constant`);
      if (t.dataLocation === 1) throw new WorkbenchError('EVALUATE_NODE', `${nodeLabel(node)}: input '${name}' has external data; give its bytes as raw_data`);
      const fresh = `r${k}_in${j}`;
      initializers.push({ ...t, name: fresh });
      return fresh;
    });
    const outs = (node.output ?? []).map((name, j) => (name === '' ? '' : `r${k}_out${j}`));
    // Only the wiring changes: attributes, domain and name stay, so onnxruntime judges the node as written.
    const n: NodeProto = { ...node };
    if (ins.length) n.input = ins;
    if (outs.length) n.output = outs;
    nodes.push(n);
    outputs.push(outs);
  });
  const graph: GraphProto = { node: nodes, name: 'evaluate' };
  if (initializers.length) graph.initializer = initializers;
  // Outputs without types: onnxruntime infers them, and we could not know them without doing its work.
  const names = outputs.flat().filter((o) => o !== '');
  if (names.length) graph.output = names.map((name) => ({ name }));
  return { graph, outputs };
}

function modelOf(graph: GraphProto, ctx: EvaluationContext): Uint8Array {
  const m: ModelProto = {
    irVersion: ctx.irVersion,
    producerName: 'onnx-workbench-evaluate',
    graph,
    opsetImport: ctx.opsetImports.map((o) => ({ ...o })),
  };
  return concatSegments(encodeModel(m));
}

function oneLine(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** ConstantEvaluator on onnxruntime-node, its graph optimizer off; holds no sessions between calls. */
export class OrtConstantEvaluator implements ConstantEvaluator {
  private readonly threads: number;

  constructor(options: EvaluatorOptions = {}) {
    this.threads = options.intraOpThreads ?? 1;
  }

  /** Runs the wired graph once; the outputs per request, named as each node names them. */
  private async run(requests: readonly EvaluationRequest[], ctx: EvaluationContext, role: string): Promise<(TensorProto | undefined)[][]> {
    const { graph, outputs } = wire(requests);
    if (!graph.output) return outputs.map((outs) => outs.map(() => undefined));
    let session: ort.InferenceSession | undefined;
    try {
      session = await createCheckSession(modelOf(graph, ctx), role, { intraOpThreads: this.threads });
      const results = await runCheckSession(session, {}, role);
      return requests.map(({ node }, k) =>
        outputs[k]!.map((fresh, j) => {
          if (fresh === '') return undefined;
          const value = results[fresh];
          if (!value) throw new WorkbenchError('EVALUATE_NODE', `${nodeLabel(node)}: onnxruntime gave no output ${j}`);
          return ortTensorToProto(value, node.output![j]!);
        }),
      );
    } finally {
      await releaseSession(session);
    }
  }

  /** The node's outputs (see ConstantEvaluator.evaluate); WorkbenchError naming the node when onnxruntime cannot run it. */
  async evaluate(node: NodeProto, inputs: readonly (TensorProto | undefined)[], ctx: EvaluationContext): Promise<(TensorProto | undefined)[]> {
    const [outs] = await this.run([{ node, inputs }], ctx, `evaluating ${nodeLabel(node)}: one-node`);
    return outs!;
  }

  /**
   * All requests in one model and one session (session creation dominates for small nodes); if
   * that fails, each is evaluated alone so that one bad node fails only itself.
   */
  async evaluateMany(requests: readonly EvaluationRequest[], ctx: EvaluationContext): Promise<EvaluationOutcome[]> {
    if (requests.length === 0) return [];
    try {
      const all = await this.run(requests, ctx, `evaluating ${requests.length} nodes: batch`);
      return all.map((outputs) => ({ ok: true, outputs }));
    } catch (e) {
      if (requests.length === 1) return [{ ok: false, error: oneLine(e) }];
    }
    const outcomes: EvaluationOutcome[] = [];
    for (const r of requests) {
      try {
        outcomes.push({ ok: true, outputs: await this.evaluate(r.node, r.inputs, ctx) });
      } catch (e) {
        outcomes.push({ ok: false, error: oneLine(e) });
      }
    }
    return outcomes;
  }
}
