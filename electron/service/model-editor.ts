import { stat } from 'node:fs/promises';
import { WorkbenchError } from '../../shared/errors.js';
import type { JournalDiff, NodeId } from '../../shared/ir/journal.js';
import type { ModelProto } from '../../shared/onnx/proto-types.js';
import type { OperationRegistry } from '../../shared/operations/registry.js';
import { applyOperation, checkSelection, dryRunOperation, resolveOperation, type ResolvedOperation } from '../../shared/operations/run-operation.js';
import { nodeNamesById, withOrigins } from '../../shared/profile/provenance.js';
import type {
  ApplyRequest,
  EditHistory,
  EditResult,
  GraphDiff,
  HistoryStep,
  ListOperationsParams,
  OperationInfo,
  OperationList,
  OperationPreview,
  OperationRequest,
  SavedModel,
  StepVerification,
} from '../../shared/protocol/operations-api.js';
import { countNodes } from '../../shared/rewrite/pass-manager.js';
import type { ToleranceChoice } from '../../shared/verify/choose-tolerances.js';
import { saveModel } from '../io/save-model.js';
import { optimizationSetup, type OptimizationSetup } from '../optimize/optimization-setup.js';
import type { QuantizeFigures } from '../../shared/protocol/quantize-figures.js';
import type { PruneFigures } from '../../shared/protocol/prune-figures.js';
import type { ModelDocument } from './model-document.js';
import { noVerification } from './step-verification.js';
import { operationInfo } from '../../shared/operations/operation-info.js';
import type { OperationRuntime } from '../../shared/operations/operation.js';
import { recipeStepOf } from '../../shared/recipe/history-recipe.js';
import type { RecipeStep } from '../../shared/recipe/parse-recipe.js';

/** A step as the editor keeps it: the history entry less what its place in the history decides. */
export type StepRecord = Omit<HistoryStep, 'index' | 'applied'>;

/** What long work applied as a step reports of itself. */
// A long job's recipe steps with the selection's node names on the step that does the work (the last).
function replaySteps(recipe: RecipeStep[] | { notReplayable: string }, nodes: string[] | undefined): RecipeStep[] | { notReplayable: string } {
  if (!Array.isArray(recipe) || !nodes) return recipe;
  return recipe.map((s, i) => (i === recipe.length - 1 ? { ...s, nodes } : s));
}

export interface WorkOutcome {
  options: Record<string, unknown>;
  matches: number;
  nodesBefore: number;
  nodesAfter: number;
  tolerance: ToleranceChoice | null;
  /** A quantize step's measured figures, kept with the step. */
  quantize?: QuantizeFigures;
  /** A prune step's measured figures, kept with the step. */
  prune?: PruneFigures;
  /** The recipe steps that replay this work (default: its operation with `options`), or why a recipe cannot. */
  recipe?: RecipeStep[] | { notReplayable: string };
}

/** What apply hands the service for the step's verification job. */
export interface AppliedStep {
  result: EditResult;
  record: StepRecord;
  /** The model as the step left it, with provenance metadata (what a save would write). */
  snapshot: ModelProto;
  /** Null: the operation is meant to change outputs, and is not verified. */
  tolerance: ToleranceChoice | null;
  /** Undone steps the new one replaced (their verification jobs are of no more use). */
  dropped: StepRecord[];
}

function graphDiff(d: JournalDiff): GraphDiff {
  const sort = (ids: NodeId[]) => [...ids].sort((a, b) => a - b);
  return { added: sort(d.added), removed: sort(d.removed), changed: sort(d.changed), graphChanged: d.graphChanged };
}

/**
 * The editing side of one open document: operations listed, previewed and applied through the
 * registry, each applied one a step of the model's journal; undo, redo, jumps and saving. Calls
 * that read or change the model run one at a time (the journal is single-writer, and a dry run
 * edits the model before rolling back); `idle` lets readers wait for the one in flight.
 */
export class ModelEditor {
  private readonly steps: StepRecord[] = [];
  /** Each step as a recipe step (see history-recipe.ts). */
  /** Each step's recipe steps, or why a recipe cannot replay it. */
  private readonly recipeOf = new WeakMap<StepRecord, RecipeStep[] | { notReplayable: string }>();
  private queue: Promise<unknown> = Promise.resolve();
  private setup: Promise<OptimizationSetup> | undefined;
  private originalNames: Map<NodeId, string> | undefined;
  /** The history state last saved (-1: never matches, for a document restored from a recovery copy) and the step that led to it. */
  private saved: { state: number; step: StepRecord | undefined } = { state: 0, step: undefined };

  constructor(
    private readonly doc: ModelDocument,
    private readonly registry: OperationRegistry,
  ) {}

  /** The document's edit version (see operations-api.ts): its journal's version, which dry runs leave as it was. */
  get version(): number {
    return this.ir.journal.version;
  }

  private get ir() {
    return this.doc.model.ir;
  }

  /** Runs `fn` after every call before it has settled. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Resolves once no call is changing the model. */
  async idle(): Promise<void> {
    await this.queue;
  }

  private checkVersion(version: number | undefined): void {
    if (version !== undefined && version !== this.version) {
      throw new WorkbenchError('STALE_VERSION', `${this.doc.origin.name}: the model changed since version ${version} (now ${this.version}); list or preview again`);
    }
  }

  private runtime() {
    this.setup ??= optimizationSetup(this.doc.model);
    this.setup.catch(() => (this.setup = undefined));
    return this.setup.then((s) => s.runOptions);
  }

  list(p: ListOperationsParams): Promise<OperationList> {
    return this.exclusive(async () => {
      checkSelection(this.ir, p.selection);
      const runtime = await this.runtime();
      const operations: OperationInfo[] = [];
      for (const op of this.registry.list()) {
        const options = op.optionsFor ? op.optionsFor(this.ir, p.selection) : {};
        let effect;
        try {
          if (options === undefined) throw new WorkbenchError('NEEDS_OPTIONS', `${op.name} needs options`);
          effect = await dryRunOperation(this.ir, resolveOperation(this.registry, this.ir, op.name, options, p.selection), runtime);
        } catch (e) {
          // An operation whose dry run is refused (a guard, a runtime limit, options only the
          // user can give) does not apply here; `all` lists it with nothing found.
          if (!(e instanceof WorkbenchError)) throw e;
          if (p.all) operations.push(operationInfo(op, options === undefined ? null : (options as Record<string, unknown>), { nodeCount: countNodes(this.ir) }));
          continue;
        }
        const d = effect.diff;
        if (!p.all && effect.outcome.matches === 0 && !d.graphChanged && !d.removed.length && !d.changed.length) continue;
        operations.push(operationInfo(op, options as Record<string, unknown>, effect));
      }
      return { version: this.version, selection: p.selection ?? null, operations };
    });
  }

  private resolve(p: OperationRequest): ResolvedOperation {
    return resolveOperation(this.registry, this.ir, p.name, p.options, p.selection);
  }

  preview(p: OperationRequest): Promise<OperationPreview> {
    return this.exclusive(async () => {
      this.checkVersion(p.version);
      const r = this.resolve(p);
      const e = await dryRunOperation(this.ir, r, await this.runtime());
      const d = graphDiff(e.diff);
      return {
        version: this.version,
        name: p.name,
        matches: e.outcome.matches,
        removed: d.removed,
        changed: d.changed,
        addedCount: d.added.length,
        graphChanged: d.graphChanged,
        nodesBefore: e.nodesBefore,
        nodesAfter: e.nodesAfter,
        tolerance: e.tolerance?.tolerance.name ?? null,
        summary: e.outcome.summary ?? null,
      };
    });
  }

  /** What an operation's dry run found (its outcome's details); the model is left as it is. */
  dryRunDetails(p: OperationRequest): Promise<{ version: number; details: Record<string, unknown> }> {
    return this.exclusive(async () => {
      this.checkVersion(p.version);
      const e = await dryRunOperation(this.ir, this.resolve(p), await this.runtime());
      return { version: this.version, details: e.outcome.details ?? {} };
    });
  }

  /** Applies an operation as one step (dropping undone steps, as the journal does). */
  apply(p: ApplyRequest, extraRuntime: Partial<OperationRuntime> = {}): Promise<AppliedStep> {
    return this.exclusive(async () => {
      this.checkVersion(p.version);
      const r = this.resolve(p);
      const runtime = { ...(await this.runtime()), ...extraRuntime };
      // Named before the step changes the model: the ids of its selection mean nothing elsewhere.
      const asRecipe = recipeStepOf(this.ir, p.name, { ...(p.options ?? {}) }, p.selection);
      this.originalNames ??= nodeNamesById(this.ir);
      const label = p.selection ? `${p.name} (${p.selection.length} selected node${p.selection.length === 1 ? '' : 's'})` : p.name;
      const e = await applyOperation(this.ir, r, runtime, label);
      const { record, dropped } = this.pushStep({ label, operation: p.name, selection: p.selection ?? null }, { options: r.options as Record<string, unknown>, matches: e.outcome.matches, nodesBefore: e.nodesBefore, nodesAfter: e.nodesAfter, tolerance: e.tolerance }, this.ir.journal.state - 1);
      this.recipeOf.set(record, [asRecipe]);
      const snapshot = withOrigins(this.ir.toProto(), this.ir, this.originalNames);
      return { result: { ...this.history(), diff: graphDiff(e.diff), step: this.entry(this.steps.length - 1) }, record, snapshot, tolerance: e.tolerance, dropped };
    });
  }

  /** Records a step just committed after history state `before`, in place of the undone ones. */
  private pushStep(p: { label: string; operation: string; selection: number[] | null }, out: WorkOutcome, before: number): { record: StepRecord; dropped: StepRecord[] } {
    const dropped = this.steps.splice(before);
    const record: StepRecord = {
      label: p.label,
      operation: p.operation,
      options: out.options,
      selection: p.selection ? [...p.selection] : null,
      matches: out.matches,
      nodesBefore: out.nodesBefore,
      nodesAfter: out.nodesAfter,
      verification: noVerification(out.tolerance?.tolerance.name ?? null, out.tolerance ? null : 'not verified: the operation is meant to change what the model computes'),
      ...(out.quantize ? { quantize: out.quantize } : {}),
      ...(out.prune ? { prune: out.prune } : {}),
    };
    this.steps.push(record);
    return { record, dropped };
  }

  /**
   * Applies long work (a quantization: preprocessing, calibration, the operation) as one step:
   * one journal transaction, rolled back whole if the work fails or is cancelled. `from`: go back
   * to that history state first (a step re-applied with other options); on failure the history
   * returns to where it was. `work` may read the model's snapshot before the step is committed.
   */
  applyWork<W extends WorkOutcome>(p: { label: string; operation: string; selection: number[] | null; version?: number; from?: number }, work: (snapshot: () => ModelProto, before: number) => Promise<W>): Promise<AppliedStep & { work: W }> {
    return this.exclusive(async () => {
      this.checkVersion(p.version);
      const start = this.ir.journal.state;
      const back = p.from !== undefined ? this.jump(p.from, undefined).diff : undefined;
      try {
        // Named before the work changes the model (see apply); the options are known after it.
        const named = recipeStepOf(this.ir, p.operation, {}, p.selection ?? undefined);
        this.originalNames ??= nodeNamesById(this.ir);
        const names = this.originalNames;
        const before = this.ir.journal.state;
        const snapshot = () => withOrigins(this.ir.toProto(), this.ir, names);
        const out = await this.ir.journal.transactionAsync(p.label, () => work(snapshot, before));
        if (this.ir.journal.state === before) throw new WorkbenchError('NOT_APPLICABLE', `${p.operation}: nothing changed${p.selection ? ' in the selected nodes' : ''}`);
        const d = graphDiff(this.ir.journal.diff(before, this.ir.journal.state));
        const { record, dropped } = this.pushStep(p, out, before);
        this.recipeOf.set(record, replaySteps(out.recipe ?? [recipeStepOf(this.ir, p.operation, out.options, undefined)], named.nodes));
        // Going back first: the view's diff holds both moves.
        const diff = back ? { added: [...new Set([...back.added, ...d.added])], removed: [...new Set([...back.removed, ...d.removed])], changed: [...new Set([...back.changed, ...d.changed])], graphChanged: true } : d;
        return { result: { ...this.history(), diff, step: this.entry(this.steps.length - 1) }, record, snapshot: snapshot(), tolerance: out.tolerance, dropped, work: out };
      } catch (e) {
        if (p.from !== undefined && this.ir.journal.state !== start) this.jump(start, undefined);
        throw e;
      }
    });
  }

  /** Sets a step's verification badge (the record stays the same object while the step exists). */
  setVerification(record: StepRecord, v: StepVerification): void {
    record.verification = v;
  }

  undo(version?: number): Promise<EditResult> {
    return this.exclusive(async () => {
      if (this.ir.journal.state === 0) throw new WorkbenchError('NOTHING_TO_UNDO', `${this.doc.origin.name}: nothing to undo`);
      return this.jump(this.ir.journal.state - 1, version);
    });
  }

  redo(version?: number): Promise<EditResult> {
    return this.exclusive(async () => {
      if (this.ir.journal.redoCount === 0) throw new WorkbenchError('NOTHING_TO_REDO', `${this.doc.origin.name}: nothing to redo`);
      return this.jump(this.ir.journal.state + 1, version);
    });
  }

  goToStep(index: number, version?: number): Promise<EditResult> {
    return this.exclusive(async () => this.jump(index, version));
  }

  private jump(index: number, version: number | undefined): EditResult {
    this.checkVersion(version);
    const journal = this.ir.journal;
    const from = journal.state;
    const last = from + journal.redoCount;
    if (!Number.isSafeInteger(index) || index < 0 || index > last) {
      throw new WorkbenchError('BAD_STEP', `${this.doc.origin.name}: no history state ${index} (0 is the model as opened, ${last} the last step)`);
    }
    let diff: JournalDiff;
    if (index <= from) {
      // The journal diffs only applied states: take it before undoing.
      diff = journal.diff(from, index);
      while (journal.state > index) journal.undo();
    } else {
      while (journal.state < index) journal.redo();
      diff = journal.diff(from, index);
    }
    return { ...this.history(), diff: graphDiff(diff), step: null };
  }

  private entry(i: number): HistoryStep {
    return { ...this.steps[i]!, index: i + 1, applied: i < this.ir.journal.state };
  }

  /** The model as it is now, with provenance metadata (what a save would write). */
  snapshot(): Promise<ModelProto> {
    return this.exclusive(async () => {
      this.originalNames ??= nodeNamesById(this.ir);
      return withOrigins(this.ir.toProto(), this.ir, this.originalNames);
    });
  }

  /** The record of history state `index` (1 = after the first step), if there is one. */
  stepRecord(index: number): StepRecord | undefined {
    return index >= 1 ? this.steps[index - 1] : undefined;
  }

  /** The applied steps as recipe steps, oldest first; NOT_A_RECIPE names a step a recipe cannot replay. */
  recipeSteps(): RecipeStep[] {
    return this.steps.slice(0, this.ir.journal.state).flatMap((s, i) => {
      const steps = this.recipeOf.get(s) ?? [];
      if (!Array.isArray(steps)) throw new WorkbenchError('NOT_A_RECIPE', `${this.doc.origin.name}: step ${i + 1} (${s.label}) ${steps.notReplayable}`);
      return steps;
    });
  }

  history(): EditHistory {
    return { version: this.version, state: this.ir.journal.state, steps: this.steps.map((_, i) => this.entry(i)) };
  }

  /** Whether the current state differs from the one last saved (or opened). */
  get unsaved(): boolean {
    const state = this.ir.journal.state;
    return state !== this.saved.state || (state > 0 && this.steps[state - 1] !== this.saved.step);
  }

  /** Marks the opened state as not saved anywhere (a document restored from a recovery copy). */
  markUnsaved(): void {
    this.saved = { state: -1, step: undefined };
  }

  /** The current state as a save would write it, with the applied steps' labels (for recovery copies). */
  labelledSnapshot(): Promise<{ model: ModelProto; labels: string[] }> {
    return this.exclusive(async () => {
      this.originalNames ??= nodeNamesById(this.ir);
      return { model: withOrigins(this.ir.toProto(), this.ir, this.originalNames), labels: this.steps.slice(0, this.ir.journal.state).map((s) => s.label) };
    });
  }

  /**
   * Saves the current state with provenance metadata; an existing file only with `overwrite` (the
   * input's own file included); `externalData`: initializers of at least that many bytes go to `<path>.data`.
   */
  save(path: string, overwrite: boolean, externalData?: number): Promise<SavedModel> {
    return this.exclusive(async () => {
      if (!overwrite) {
        const exists = await stat(path).then(
          () => true,
          () => false,
        );
        if (exists) throw new WorkbenchError('FILE_EXISTS', `${path}: the file exists (ask to overwrite it explicitly)`);
      }
      this.originalNames ??= nodeNamesById(this.ir);
      const proto = withOrigins(this.ir.toProto(), this.ir, this.originalNames);
      const r = await saveModel(proto, path, { overwriteInput: overwrite, source: this.doc.model, ...(externalData !== undefined ? { externalData: { threshold: externalData } } : {}) });
      const state = this.ir.journal.state;
      this.saved = { state, step: this.steps[state - 1] };
      return { path: r.path, bytes: r.bytes, nodeCount: countNodes(this.ir) };
    });
  }
}
