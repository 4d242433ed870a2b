import { valueInfo } from '../builder/value-info.js';
import { WorkbenchError } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import type { NodeId } from '../ir/journal.js';
import { allGraphs, type IrModel } from '../ir/model.js';
import type { IrNode } from '../ir/node.js';
import type { TensorProto } from '../onnx/proto-types.js';
import type { ConstantEvaluator } from '../verify/constant-evaluator.js';
import type { Pass, PassContext, Target } from './pass.js';
import { ValueFacts, type TypeInference } from './value-facts.js';

/** What one pass did. */
export interface PassReport {
  name: string;
  matches: number;
  nodesBefore: number;
  nodesAfter: number;
  ms: number;
  /** Why the pass did not run (a missing runtime, a target mismatch), if it did not. */
  skipped?: string;
}

export interface RunOptions {
  target: Target;
  /** Restrict rewrites to these node ids (a selection in the UI). */
  scope?: Iterable<NodeId>;
  /** Report what would change, then undo it. */
  dryRun?: boolean;
  evaluator?: ConstantEvaluator;
  inferTypes?: TypeInference;
  externalBytes?: (t: TensorProto) => Uint8Array | undefined;
  /** May the run add opset imports (e.g. com.microsoft for contrib ops)? Default: yes for the onnxruntime target. */
  addOpsets?: boolean;
  foldSizeLimit?: number;
  /** Rounds over the whole list while anything changes (default 3). */
  rounds?: number;
}

export interface RunResult {
  passes: PassReport[];
  nodesBefore: number;
  nodesAfter: number;
  /** Journal state before the run (for diffs); after a dry run the model is back there. */
  stateBefore: number;
}

const DEFAULT_FOLD_LIMIT = 1 << 20;
const MAX_REPEATS = 20;

/** Nodes of the model, its subgraphs' included. */
export function countNodes(model: IrModel): number {
  let n = 0;
  for (const g of allGraphs(model.graph)) n += g.nodeCount;
  return n;
}

function usedNames(model: IrModel): Set<string> {
  const names = new Set<string>();
  for (const g of allGraphs(model.graph)) {
    for (const n of g.nodes) for (const v of [...n.inputs, ...n.outputs]) names.add(v);
    for (const k of g.initializers.keys()) names.add(k);
    for (const v of [...g.inputs, ...g.outputs]) names.add(v.name ?? '');
  }
  return names;
}

/**
 * Before IR version 4 every initializer of the main graph must also be one of its inputs
 * (onnxruntime refuses the model otherwise), and passes add initializers without knowing the
 * IR version: list the new ones as inputs, typed as their tensors.
 */
function listInitializersAsInputs(model: IrModel): void {
  const ir = model.meta.irVersion;
  const g = model.graph;
  if (ir === undefined || Number(ir) >= 4) return;
  const missing = [...g.initializers.values()].filter((t) => !g.isGraphInput(t.name ?? ''));
  if (!missing.length) return;
  const added = missing.map((t) => valueInfo(t.name ?? '', t.dataType ?? 0, (t.dims ?? []).map(Number)));
  model.journal.transaction('list new initializers as graph inputs (IR version < 4)', () => g.setGraphInputs([...g.inputs, ...added]));
}

/**
 * Runs passes in order over every graph of the model (main graph and subgraphs), each pass as
 * one journal transaction named after it, repeating passes that ask for it and the whole list
 * while anything changes. Rewrites outside `scope` never fire. With `dryRun`, everything is
 * undone afterwards and the reports say what would have changed.
 */
export async function runPasses(model: IrModel, passes: readonly Pass[], options: RunOptions): Promise<RunResult> {
  const scope = options.scope ? new Set(options.scope) : undefined;
  const facts = new ValueFacts(model, options.inferTypes, options.externalBytes);
  const names = usedNames(model);
  const addOpsets = options.addOpsets ?? options.target === 'onnxruntime';
  const stateBefore = model.journal.state;
  const nodesBefore = countNodes(model);
  const reports = new Map<string, PassReport>();

  const contextFor = (graph: Graph): PassContext => ({
    model,
    graph,
    target: options.target,
    scope,
    facts,
    evaluator: options.evaluator,
    foldSizeLimit: options.foldSizeLimit ?? DEFAULT_FOLD_LIMIT,
    opset: (domain = '') => model.opsetVersion(domain),
    inScope: (nodes: Iterable<IrNode>) => {
      if (!scope) return true;
      for (const n of nodes) if (!scope.has(n.id)) return false;
      return true;
    },
    requireOpset: (domain, version) => {
      const have = model.opsetVersion(domain);
      if (have !== undefined) return have >= version || domain !== '';
      if (!addOpsets) return false;
      model.addOpsetImport(domain, version);
      return true;
    },
    freshName: (base) => {
      let name = base;
      for (let i = 1; names.has(name); i++) name = `${base}_${i}`;
      names.add(name);
      return name;
    },
    addConstant(tensor) {
      const name = this.freshName(tensor.name || 'const');
      graph.addInitializer({ ...tensor, name });
      return name;
    },
  });

  const runOne = async (pass: Pass): Promise<number> => {
    if (pass.target === 'onnxruntime' && options.target !== 'onnxruntime') return -1;
    if (pass.requires.includes('runtime') && !options.evaluator) return -2;
    let total = 0;
    for (let i = 0; i < MAX_REPEATS; i++) {
      let changed = 0;
      await model.journal.transactionAsync(pass.name, async () => {
        // A rewrite may take a subgraph out of the model (an If replaced by its branch's nodes):
        // graphs listed before it are checked again after every graph that changed.
        const graphs = [...allGraphs(model.graph)];
        let attached: Set<Graph> | undefined;
        for (const g of graphs) {
          if (attached && !attached.has(g)) continue;
          const n = await pass.run(contextFor(g));
          if (n) attached = new Set(allGraphs(model.graph));
          changed += n;
        }
      });
      total += changed;
      if (changed && !pass.keepsTypes) facts.invalidate();
      if (!changed || !pass.repeat) break;
    }
    return total;
  };

  const rounds = options.rounds ?? 3;
  for (let round = 0; round < rounds; round++) {
    let changedThisRound = 0;
    for (const pass of passes) {
      const before = countNodes(model);
      const t0 = performance.now();
      const n = await runOne(pass);
      const ms = performance.now() - t0;
      const report = reports.get(pass.name) ?? { name: pass.name, matches: 0, nodesBefore: before, nodesAfter: before, ms: 0 };
      if (n === -1) report.skipped = `needs the onnxruntime target`;
      else if (n === -2) report.skipped = 'needs onnxruntime to evaluate constants';
      else {
        report.matches += n;
        changedThisRound += n;
      }
      // Over several rounds, a pass's figures add up its own runs' effects only.
      report.nodesAfter += countNodes(model) - before;
      report.ms += ms;
      reports.set(pass.name, report);
    }
    if (!changedThisRound) break;
  }

  listInitializersAsInputs(model);
  const nodesAfter = countNodes(model);
  if (options.dryRun) {
    while (model.journal.state > stateBefore) model.journal.undo();
  }
  return { passes: [...reports.values()], nodesBefore, nodesAfter, stateBefore };
}

/** Finds passes by name, or a WorkbenchError naming the unknown one. */
export function pickPasses(all: readonly Pass[], names: readonly string[]): Pass[] {
  return names.map((name) => {
    const p = all.find((x) => x.name === name);
    if (!p) throw new WorkbenchError('BAD_OPTION', `unknown pass "${name}" (see \`onnx-workbench passes\`)`);
    return p;
  });
}
