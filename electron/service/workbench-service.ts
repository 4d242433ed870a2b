import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { WorkbenchError } from '../../shared/errors.js';
import { defaultOperations, type OperationRegistry } from '../../shared/operations/registry.js';
import type { Backend, GraphInfo, GraphPath, OpenedModelInfo, ProgressEvent, TensorInfo, VerifySettingsInfo } from '../../shared/protocol/backend.js';
import type { ModelProto } from '../../shared/onnx/proto-types.js';
import type { GraphChanges, GraphChangesParams } from '../../shared/protocol/graph-changes-api.js';
import type { CompareReport, ProfileReport } from '../../shared/profile/report-schema.js';
import type { CompareResult, ProfileResult, StartCompareParams, StartProfileParams } from '../../shared/protocol/profile-api.js';
import type { ApplyRequest, EditHistory, EditResult, JobInfo, ListOperationsParams, OperationList, OperationPreview, OperationRequest, SavedModel } from '../../shared/protocol/operations-api.js';
import type { AppSensitivityReport, QuantizeResult, SensitivityResult, StartQuantizeParams, StartSensitivityParams } from '../../shared/protocol/quantize-api.js';
import type { QuantizeSettings } from '../../shared/quantize/quantize-settings.js';
import { DEFAULT_PRUNE_SETTINGS, pruneSettingsSchema, type PruneGroups, type PruneResult, type PruneSettings, type StartPruneParams } from '../../shared/protocol/prune-api.js';
import type { DocumentState, RecoveryInfo, SaveTarget } from '../../shared/protocol/recovery-api.js';
import type { LoadResult, LoadRunReport, ServingInfo, ServingOptions, ServingStatus, StartLoadParams } from '../../shared/protocol/serving-api.js';
import { externalDataOf } from '../../shared/onnx/external-data.js';
import { mapModelTensors } from '../../shared/onnx/map-tensors.js';
import { encodeModel } from '../../shared/onnx/model-codec.js';
import type { VerifyInputSettings } from '../../shared/verify/input-settings.js';
import { checkInputSettings } from '../../shared/verify/settings-check.js';
import type { VerificationResult } from '../../shared/verify/verification-result.js';
import { openModel, type OpenedModel } from '../io/open-model.js';
import { settingsDir } from '../io/settings-dir.js';
import { RuntimeHost } from '../runtime-host/runtime-host.js';
import { Jobs, type JobControl } from './jobs.js';
import type { EditJobInput } from './edit-job-input.js';
import { ModelDocument, type DocumentOrigin } from './model-document.js';
import { ModelEditor, type AppliedStep } from './model-editor.js';
import { quantizeJob } from './quantize-job.js';
import { pruneGroups } from './prune-groups.js';
import { pruneJob } from './prune-job.js';
import { QuantizeSettingsStore } from './quantize-settings-store.js';
import { sensitivityJob } from './sensitivity-job.js';
import { loadJob, ModelServing } from './model-serving.js';
import { compareJob, profileJob, type ModelState, type ProfileJobInput } from './profile-job.js';
import { endedVerification, runningVerification } from './step-verification.js';
import { verifyStep } from './verify-job.js';
import { RecoveryStore } from './recovery-store.js';
import { UnsavedWork, type UnsavedWorkOptions } from './unsaved-work.js';
import { UploadDir } from './upload-dir.js';
import { VerifySettingsStore } from './verify-settings-store.js';
import { KeyedSettingsStore } from './keyed-settings-store.js';
import { RecipeStore } from './recipe-store.js';
import { recipeJob, type RecipeJobInput } from './recipe-job.js';
import { resolveRecipePaths } from '../recipe/read-recipe.js';
import { historyRecipe } from '../../shared/recipe/history-recipe.js';
import { parseRecipe } from '../../shared/recipe/parse-recipe.js';
import { recipeJsonSchema } from '../../shared/recipe/recipe-schema.js';
import type { RecipeFolder, RecipeFolderChoice, RecipeText } from '../../shared/protocol/recipe-api.js';
import type { OperationRuntime } from '../../shared/operations/operation.js';
import type { ToleranceChoice } from '../../shared/verify/choose-tolerances.js';
import type { StepVerification } from '../../shared/protocol/operations-api.js';
import type { ApplyTextParams, GetTextParams, ModelText, TextApplyResult } from '../../shared/protocol/text-api.js';
import { applyText, modelText } from './model-text.js';

/** Graphs with more nodes than this get progress events while their shapes are inferred. */
const BIG_GRAPH = 2000;

export interface WorkbenchServiceOptions {
  /** The model the host was started with (`initialModel` opens it once, on first call). */
  initialModel?: string;
  /** Open documents kept at most; beyond it the one used longest ago is closed. */
  maxDocuments?: number;
  /** Folder for models that arrive as bytes (default: the OS's temporary folder). */
  tempDir?: string;
  /** Folder where settings remembered per model are kept (default: settingsDir()). */
  settingsDir?: string;
  /** The operations offered (default: defaultOperations()). */
  operations?: OperationRegistry;
  /** Where verification jobs run onnxruntime (default: a runtime host process started on first use). */
  runtimeHost?: RuntimeHost;
  /** Recovery copies of unsaved work (kept in `<settingsDir>/recovery`): write delay and size limit. */
  recovery?: UnsavedWorkOptions;
}

/** Models at least this big are advised to be saved with external data (protobuf's 2 GiB limit is near). */
const EXTERNAL_DATA_ADVISED = 1 << 30;

const DEFAULT_VERIFY_SETTINGS: VerifyInputSettings = { dims: {}, values: {} };

/** What a recipe run lends a step's verification. */
interface StepHooks {
  settings?: VerifyInputSettings;
  tolerance?: (c: ToleranceChoice) => ToleranceChoice;
}

/** A step applied, with its verification job (if one started). */
interface StepStarted {
  result: EditResult;
  record: { verification: StepVerification };
  verifyJobId: string | null;
}

/**
 * The workbench in Node: open documents and what the renderer asks of them. The Electron shell,
 * the local server and the CLI all use this one implementation of Backend; later features
 * (optimization, profiling) add methods here that work on `document(modelId)`.
 */
export class WorkbenchService implements Backend {
  private readonly docs = new Map<string, ModelDocument>();
  private readonly uploadFiles = new Map<string, string>();
  private readonly listeners = new Set<(e: ProgressEvent) => void>();
  private readonly uploads: UploadDir;
  private readonly maxDocuments: number;
  private readonly verifySettings: VerifySettingsStore;
  private readonly pruneSettings: KeyedSettingsStore<PruneSettings>;
  private readonly quantizeSettings: QuantizeSettingsStore;
  /** Edits made by finished quantize jobs, by jobId (forgotten with the job). */
  private readonly quantizeEdits = new Map<string, EditResult>();
  /** Edits made by finished prune jobs, by jobId (forgotten with the job). */
  private readonly pruneEdits = new Map<string, EditResult>();
  /** Reports of finished sensitivity jobs, by jobId (forgotten with the job). */
  private readonly sensitivityReports = new Map<string, { step: number; report: AppSensitivityReport }>();
  private readonly editors = new Map<string, ModelEditor>();
  private readonly operations: OperationRegistry;
  private readonly jobList: Jobs;
  private readonly unsaved: UnsavedWork;
  private readonly recipes: RecipeStore;
  private runtimeHost: RuntimeHost | undefined;
  /** Each applied step's model (what profiling and comparing run), by its history record. */
  private readonly stepModels = new WeakMap<object, ModelProto>();
  /** Reports of finished profile and compare jobs, by jobId (forgotten with the job). */
  private readonly reports = new Map<string, ProfileReport | CompareReport>();
  /** Servers started from the app, one per document at most. */
  private readonly serving = new ModelServing();
  private readonly loadReports = new Map<string, LoadRunReport>();
  private initial: Promise<OpenedModelInfo> | undefined;
  private jobs = 0;

  constructor(private readonly options: WorkbenchServiceOptions = {}) {
    this.uploads = new UploadDir(options.tempDir);
    this.maxDocuments = Math.max(1, options.maxDocuments ?? 16);
    this.verifySettings = new VerifySettingsStore(join(options.settingsDir ?? settingsDir(), 'verify-settings.json'));
    this.pruneSettings = new KeyedSettingsStore(join(options.settingsDir ?? settingsDir(), 'prune-settings.json'), pruneSettingsSchema, (stored) => ({ ...DEFAULT_PRUNE_SETTINGS, ...stored }));
    this.quantizeSettings = new QuantizeSettingsStore(join(options.settingsDir ?? settingsDir(), 'quantize-settings.json'));
    this.operations = options.operations ?? defaultOperations();
    this.jobList = new Jobs((e) => this.emit(e));
    this.runtimeHost = options.runtimeHost;
    this.recipes = new RecipeStore(join(options.settingsDir ?? settingsDir(), 'recipe-folder.json'));
    this.unsaved = new UnsavedWork(new RecoveryStore(join(options.settingsDir ?? settingsDir(), 'recovery')), options.recovery);
  }

  async initialModel(): Promise<OpenedModelInfo | null> {
    const path = this.options.initialModel;
    if (path === undefined) return null;
    if (this.initial) {
      const info = await this.initial.catch(() => undefined);
      // Evicted or closed since: a reloaded page gets it opened again.
      if (info && this.isOpen(info.modelId)) return info;
    }
    this.initial = this.openPath(path);
    this.initial.catch(() => (this.initial = undefined));
    return this.initial;
  }

  /** Whether a document is open (not closed, not evicted). */
  isOpen(modelId: string): boolean {
    return this.docs.has(modelId);
  }

  openModel(source: { path: string } | { name: string; bytes: Uint8Array }): Promise<OpenedModelInfo> {
    if ('path' in source) return this.openPath(source.path);
    return this.openBytes(source.name, source.bytes);
  }

  /** Opens a model file by path. */
  openPath(path: string): Promise<OpenedModelInfo> {
    const full = resolve(path);
    return this.open(full, { name: basename(full), path: full }, path);
  }

  /** Opens a model from bytes: written to a private temporary file, removed when the document closes. */
  async openBytes(name: string, bytes: Uint8Array): Promise<OpenedModelInfo> {
    return this.openUpload(await this.uploads.write(name, bytes), name);
  }

  /** A fresh temporary path for a model arriving as a stream (the server writes uploads there). */
  uploadPath(name: string): Promise<string> {
    return this.uploads.pathFor(name);
  }

  /** Opens a file written at a path from `uploadPath`; the file is removed when the document closes (or now, if opening fails). */
  async openUpload(file: string, name: string): Promise<OpenedModelInfo> {
    try {
      const info = await this.open(file, { name, path: null }, name);
      this.uploadFiles.set(info.modelId, file);
      return info;
    } catch (e) {
      await this.uploads.remove(file);
      if (e instanceof WorkbenchError && e.code === 'MISSING_EXTERNAL_DATA') {
        throw new WorkbenchError(e.code, `${e.message}; a model with external data must be opened by path, with its data files beside it`);
      }
      throw e;
    }
  }

  private async open(file: string, origin: DocumentOrigin, shownAs: string): Promise<OpenedModelInfo> {
    const jobId = `open-${++this.jobs}`;
    this.emit({ jobId, done: 0, total: 2, message: `opening ${origin.name}` });
    let model: OpenedModel;
    try {
      model = await openModel(file);
    } catch (e) {
      this.emit({ jobId, done: 2, total: 2, message: `could not open ${origin.name}` });
      // Messages from io name the file as given; for uploads that is the temporary path.
      if (e instanceof WorkbenchError && origin.path === null) throw new WorkbenchError(e.code, e.message.split(file).join(shownAs));
      throw e;
    }
    this.emit({ jobId, done: 1, total: 2, message: `summarizing ${origin.name}` });
    const doc = new ModelDocument(randomUUID(), model, origin);
    this.docs.set(doc.id, doc);
    const info = doc.info();
    this.evict(doc.id);
    this.emit({ jobId, done: 2, total: 2, message: `opened ${origin.name}` });
    return info;
  }

  private evict(keep: string): void {
    while (this.docs.size > this.maxDocuments) {
      let oldest: ModelDocument | undefined;
      for (const d of this.docs.values()) if (d.id !== keep && (!oldest || d.idleSince < oldest.idleSince)) oldest = d;
      if (!oldest) return;
      void this.closeModel(oldest.id);
    }
  }

  /** An open document, or a WorkbenchError when the id is unknown (never opened, or closed). */
  document(modelId: string): ModelDocument {
    const doc = this.docs.get(modelId);
    if (!doc) throw new WorkbenchError('UNKNOWN_MODEL', `no open model with id "${modelId}" (it was closed or never opened); open the file again`);
    doc.touch();
    return doc;
  }

  getGraph(modelId: string, path: GraphPath): Promise<GraphInfo> {
    return this.readGraph(modelId, (doc) => doc.graph(path));
  }

  getGraphChanges(p: GraphChangesParams): Promise<GraphChanges | null> {
    return this.readGraph(p.modelId, (doc) => doc.graphChanges(p.path, p.from));
  }

  /** Reads a document's graph once no edit is in flight, with progress events while a big model's shapes are inferred. */
  private async readGraph<T>(modelId: string, read: (doc: ModelDocument) => T): Promise<T> {
    // An edit or dry run in flight has the model half-changed: read it once that settles.
    await this.editors.get(modelId)?.idle();
    const doc = this.document(modelId);
    if (doc.inferencePending && doc.model.ir.graph.nodeCount > BIG_GRAPH) {
      // Inference of a big model takes seconds on this thread: say so first, and let the event out.
      const jobId = `infer-${++this.jobs}`;
      this.emit({ jobId, done: 0, total: 1, message: `inferring shapes of ${doc.origin.name}` });
      await new Promise((resolve) => setImmediate(resolve));
      const info = read(doc);
      this.emit({ jobId, done: 1, total: 1, message: `inferred shapes of ${doc.origin.name}` });
      return info;
    }
    return read(doc);
  }

  async getTensor(modelId: string, path: GraphPath, name: string): Promise<TensorInfo> {
    await this.editors.get(modelId)?.idle();
    return this.document(modelId).tensor(path, name);
  }

  async getVerifySettings(modelId: string): Promise<VerifySettingsInfo> {
    const remembered = await this.verifySettings.get(this.document(modelId).settingsKey);
    return { settings: remembered ?? DEFAULT_VERIFY_SETTINGS, remembered: remembered !== undefined };
  }

  async setVerifySettings(modelId: string, settings: VerifyInputSettings): Promise<VerifySettingsInfo> {
    const doc = this.document(modelId);
    const graph = doc.model.ir.graph;
    checkInputSettings({ input: [...graph.inputs], initializer: [...graph.initializers.values()] }, settings.dims, settings.values);
    if (settings.inputsPath !== undefined) {
      const path = resolve(settings.inputsPath);
      try {
        await stat(path);
      } catch {
        throw new WorkbenchError('BAD_OPTION', `inputs: ${settings.inputsPath} does not exist (give a .npy or .pb file, or a folder of them)`);
      }
      settings = { ...settings, inputsPath: path };
    }
    await this.verifySettings.set(doc.settingsKey, settings);
    return { settings, remembered: true };
  }

  /** The editing side of an open document (made on first use). */
  private editor(modelId: string): ModelEditor {
    const doc = this.document(modelId);
    let editor = this.editors.get(modelId);
    if (!editor) {
      this.editors.set(modelId, (editor = new ModelEditor(doc, this.operations)));
      this.unsaved.track(doc, editor);
    }
    return editor;
  }

  async listOperations(p: ListOperationsParams): Promise<OperationList> {
    return this.editor(p.modelId).list(p);
  }

  async previewOperation(p: OperationRequest): Promise<OperationPreview> {
    return this.editor(p.modelId).preview(p);
  }

  /** Applies an operation as one step and, unless `verify` is false, starts its verification job (the answer does not wait for it). */
  async applyOperation(p: ApplyRequest): Promise<EditResult> {
    return (await this.applyStep(p)).result;
  }

  // One step applied and its verification started; a recipe run lends a runtime (mixed precision),
  // its verification settings and the tolerance accumulated over its steps.
  private async applyStep(p: ApplyRequest, hooks: StepHooks & { runtime?: Partial<OperationRuntime> } = {}): Promise<StepStarted> {
    const editor = this.editor(p.modelId);
    const applied = await editor.apply(p, hooks.runtime);
    return this.stepApplied(p.modelId, editor, applied, p.verify !== false, hooks);
  }

  /** After a step: kept for profiling, unsaved work noted, replaced steps' jobs cancelled, its verification started. */
  private async stepApplied(modelId: string, editor: ModelEditor, applied: AppliedStep, verify: boolean, hooks: StepHooks = {}): Promise<StepStarted> {
    const doc = this.document(modelId);
    this.unsaved.changed(modelId);
    this.stepModels.set(applied.record, applied.snapshot);
    for (const s of applied.dropped) if (s.verification.state === 'running' && s.verification.jobId) void this.jobList.cancel(s.verification.jobId);
    const choice = applied.tolerance && hooks.tolerance ? hooks.tolerance(applied.tolerance) : applied.tolerance;
    if (!verify || !choice) return { result: applied.result, record: applied.record, verifyJobId: null };
    const settings = hooks.settings ?? (await this.verifySettings.get(doc.settingsKey)) ?? DEFAULT_VERIFY_SETTINGS;
    const host = (this.runtimeHost ??= new RuntimeHost());
    const job = this.jobList.start<VerificationResult>(
      'verify',
      `verify ${applied.record.label}`,
      (c) => verifyStep(host, { source: doc.model, snapshot: applied.snapshot, tolerance: choice, settings, ...(this.options.tempDir ? { tempDir: this.options.tempDir } : {}) }, c),
      (info, result) => editor.setVerification(applied.record, endedVerification(applied.record.verification, info, result)),
    );
    editor.setVerification(applied.record, runningVerification(choice.tolerance.name, job.jobId));
    const step = applied.result.step && { ...applied.result.step, verification: applied.record.verification };
    const result = { ...applied.result, step, steps: applied.result.steps.map((s) => (s.index === step?.index ? step : s)) };
    return { result, record: applied.record, verifyJobId: job.jobId };
  }

  async getRecipeSchema(): Promise<Record<string, unknown>> {
    return recipeJsonSchema(this.operations);
  }

  /** The applied steps as a recipe, with the model's verification settings. */
  async historyRecipe(modelId: string): Promise<RecipeText> {
    const doc = this.document(modelId);
    const editor = this.editor(modelId);
    await editor.idle();
    const steps = editor.recipeSteps();
    if (!steps.length) throw new WorkbenchError('NOTHING_TO_SAVE', `${doc.origin.name}: no applied steps to save as a recipe`);
    // A hand edit of the model's text is no registry operation: a recipe could not replay it.
    const hand = steps.findIndex((s) => s.operation === 'edit-text');
    if (hand >= 0) throw new WorkbenchError('NOT_A_RECIPE', `${doc.origin.name}: step ${hand + 1} is an edit of the model's text, which a recipe cannot replay`);
    const settings = (await this.verifySettings.get(doc.settingsKey)) ?? DEFAULT_VERIFY_SETTINGS;
    const recipe = historyRecipe(steps, settings, `steps applied to ${doc.origin.name}`);
    return { name: null, text: `${JSON.stringify(recipe, null, 2)}\n` };
  }

  /**
   * Checks a recipe (BAD_RECIPE at once, naming the JSON path) and runs it as a job: each step one
   * history step, verified at the loosest tolerance so far with the recipe's inputs (or the
   * model's settings when it gives none); the job fails at the first step that does.
   */
  async runRecipe(p: { modelId: string; text: string; version?: number }): Promise<JobInfo> {
    const doc = this.document(p.modelId);
    const editor = this.editor(p.modelId);
    let recipe = parseRecipe(this.operations, p.text);
    const base = await this.recipes.folderPath();
    if (base) recipe = resolveRecipePaths(recipe, base);
    await editor.idle();
    if (p.version !== undefined && p.version !== editor.version) {
      throw new WorkbenchError('STALE_VERSION', `${doc.origin.name}: the model changed since version ${p.version} (now ${editor.version}); run it again`);
    }
    const v = recipe.verify;
    const own = Object.keys(v.dims).length > 0 || Object.keys(v.values).length > 0 || v.inputsPath !== undefined;
    const settings: VerifyInputSettings = own
      ? { dims: v.dims, values: v.values, ...(v.inputsPath !== undefined ? { inputsPath: v.inputsPath } : {}) }
      : ((await this.verifySettings.get(doc.settingsKey)) ?? DEFAULT_VERIFY_SETTINGS);
    const input: RecipeJobInput = {
      recipe,
      modelId: p.modelId,
      doc,
      registry: this.operations,
      version: () => editor.version,
      host: () => (this.runtimeHost ??= new RuntimeHost()),
      settings,
      apply: async (request, hooks) => {
        const r = await this.applyStep(request, hooks);
        return { verification: () => r.record.verification, verifyJobId: r.verifyJobId };
      },
      waitForJob: (jobId) => this.jobList.wait(jobId),
    };
    return this.jobList.start('recipe', `recipe (${recipe.steps.length} steps) on ${doc.origin.name}`, (c) => recipeJob(input, c));
  }

  getRecipeFolder(): Promise<RecipeFolder> {
    return this.recipes.list();
  }

  /** The service has no dialog (the browser host): the user types the folder's path. Electron's IPC answers with its own. */
  async chooseRecipeFolder(): Promise<RecipeFolderChoice> {
    return { native: false, folder: null };
  }

  setRecipeFolder(folder: string): Promise<RecipeFolder> {
    return this.recipes.setFolder(folder);
  }

  readRecipe(name: string): Promise<RecipeText> {
    return this.recipes.read(name);
  }

  /** Saves a recipe in the folder once it checks (a file that would not run is not written). */
  /** The ONNX text of the model, a subgraph or function body, or selected nodes (text-api.ts). */
  async getModelText(p: GetTextParams): Promise<ModelText> {
    return modelText(this.document(p.modelId), this.editor(p.modelId), p);
  }

  /** The edited text (whole model, subgraph body or nodes) as one step (not verified: a hand edit means to change the model), or its problems. */
  async applyModelText(p: ApplyTextParams): Promise<TextApplyResult> {
    const editor = this.editor(p.modelId);
    const r = await applyText(editor, this.document(p.modelId), p);
    if ('errors' in r) return { ok: false, errors: r.errors.map((e) => ({ line: e.line, column: e.column, message: e.message })) };
    return { ok: true, edit: (await this.stepApplied(p.modelId, editor, r.applied, false)).result };
  }

  async saveRecipe(p: { name: string; text: string; overwrite?: boolean }): Promise<RecipeFolder> {
    parseRecipe(this.operations, p.text, p.name);
    return this.recipes.save(p.name, p.text, p.overwrite === true);
  }

  async undo(p: { modelId: string; version?: number }): Promise<EditResult> {
    return this.changed(p.modelId, await this.editor(p.modelId).undo(p.version));
  }

  async redo(p: { modelId: string; version?: number }): Promise<EditResult> {
    return this.changed(p.modelId, await this.editor(p.modelId).redo(p.version));
  }

  async goToStep(p: { modelId: string; index: number; version?: number }): Promise<EditResult> {
    return this.changed(p.modelId, await this.editor(p.modelId).goToStep(p.index, p.version));
  }

  private changed<T>(modelId: string, result: T): T {
    this.unsaved.changed(modelId);
    return result;
  }

  async getHistory(modelId: string): Promise<EditHistory> {
    return this.editor(modelId).history();
  }

  async saveModel(p: { modelId: string; path: string; overwrite?: boolean; externalData?: number }): Promise<SavedModel> {
    const saved = await this.editor(p.modelId).save(resolve(p.path), p.overwrite === true, p.externalData);
    await this.unsaved.saved(p.modelId, saved.path);
    return saved;
  }

  async getDocumentState(modelId: string): Promise<DocumentState> {
    this.document(modelId);
    return this.unsaved.state(modelId, this.editors.get(modelId));
  }

  /** The browser host cannot show a native dialog: it suggests `<name>.optimized.onnx` beside the original (or the last save) and the page asks. */
  async chooseSavePath(modelId: string): Promise<SaveTarget> {
    const doc = this.document(modelId);
    const state = this.unsaved.state(modelId, this.editors.get(modelId));
    const from = state.savedPath ?? doc.origin.path ?? resolve(doc.origin.name);
    const stem = basename(doc.origin.name).replace(/(\.optimized)?\.onnx$/i, '');
    return { native: false, path: join(dirname(from), `${stem}.optimized.onnx`), suggestExternalData: doc.model.fileSize >= EXTERNAL_DATA_ADVISED };
  }

  /**
   * The current state as one model file's bytes (with provenance), for the browser host's
   * download: a model with external data, or over protobuf's 2 GiB, must be saved by path.
   */
  async modelBytes(modelId: string): Promise<{ name: string; segments: Uint8Array[]; bytes: number }> {
    const doc = this.document(modelId);
    const model = await this.editor(modelId).snapshot();
    let external = 0;
    mapModelTensors(model, (t) => {
      if (externalDataOf(t)) external++;
      return t;
    });
    if (external) throw new WorkbenchError('NEEDS_SAVE_AS', `${doc.origin.name}: ${external} tensor(s) are in external data files; use Save As to write the model with them`);
    const segments = encodeModel(model);
    const bytes = segments.reduce((n, s) => n + s.length, 0);
    if (bytes > 2 ** 31 - 1) throw new WorkbenchError('NEEDS_SAVE_AS', `${doc.origin.name}: over 2 GiB; use Save As with external data`);
    const stem = basename(doc.origin.name).replace(/(\.optimized)?\.onnx$/i, '');
    return { name: `${stem}.optimized.onnx`, segments, bytes };
  }

  /** Recovery copies left by an earlier run (not those of documents open now). */
  async listRecoveries(): Promise<RecoveryInfo[]> {
    const live = this.unsaved.liveEntries();
    return (await this.unsaved.store.list()).filter((m) => !live.has(m.id)).map(({ file: _file, ...info }) => info);
  }

  /** Opens a recovery copy as a document whose state is not saved anywhere; its later steps update the same entry. */
  async restoreRecovery(id: string): Promise<OpenedModelInfo> {
    const open = this.unsaved.restoredFrom(id);
    if (open && this.isOpen(open)) return this.document(open).info();
    const m = await this.unsaved.store.get(id);
    if (!m) throw new WorkbenchError('UNKNOWN_RECOVERY', `no recovery copy "${id}" (it was restored, saved or discarded)`);
    const info = await this.open(this.unsaved.store.pathOf(m), { name: m.name, path: m.originalPath }, m.name);
    const doc = this.document(info.modelId);
    const editor = new ModelEditor(doc, this.operations);
    editor.markUnsaved();
    this.editors.set(doc.id, editor);
    this.unsaved.track(doc, editor, { entryId: m.id, keep: m.file, labels: m.labels });
    return info;
  }

  async discardRecovery(id: string): Promise<RecoveryInfo[]> {
    const open = this.unsaved.restoredFrom(id);
    if (open) throw new WorkbenchError('RECOVERY_IN_USE', `recovery copy "${id}" is open as a document; save it or close it`);
    await this.unsaved.store.remove(id);
    return this.listRecoveries();
  }

  /** Resolves once pending recovery copies are written (tests; shutdown). */
  flushRecovery(): Promise<void> {
    return this.unsaved.flush();
  }

  async getJob(jobId: string): Promise<JobInfo> {
    return this.jobList.get(jobId);
  }

  async cancelJob(jobId: string): Promise<JobInfo> {
    return this.jobList.cancel(jobId);
  }

  /** History state `index` of a document (its current one when undefined) as profiling runs it. */
  private async modelState(modelId: string, index: number | undefined, version: number | undefined): Promise<ModelState> {
    const doc = this.document(modelId);
    const editor = this.editor(modelId);
    await editor.idle();
    if (version !== undefined && version !== editor.version) {
      throw new WorkbenchError('STALE_VERSION', `${doc.origin.name}: the model changed since version ${version} (now ${editor.version}); run it again`);
    }
    const history = editor.history();
    const at = index ?? history.state;
    const last = history.steps.length;
    if (at > last) throw new WorkbenchError('BAD_STEP', `${doc.origin.name}: no history state ${at} (0 is the model as opened, ${last} the last step)`);
    if (at === 0) return { snapshot: null, label: index === undefined ? doc.origin.name : `${doc.origin.name} (original)` };
    if (index === undefined) return { snapshot: await editor.snapshot(), label: `${doc.origin.name} (step ${at}, current)` };
    const record = editor.stepRecord(at);
    const snapshot = record && this.stepModels.get(record);
    if (!snapshot) throw new WorkbenchError('BAD_STEP', `${doc.origin.name}: history state ${at} was not kept`);
    return { snapshot, label: `${doc.origin.name} (step ${at})` };
  }

  private async profileInput(modelId: string, options: StartProfileParams['options']): Promise<ProfileJobInput> {
    const doc = this.document(modelId);
    const settings = (await this.verifySettings.get(doc.settingsKey)) ?? DEFAULT_VERIFY_SETTINGS;
    return { source: doc.model, options, settings, ...(this.options.tempDir ? { tempDir: this.options.tempDir } : {}) };
  }

  /** Profiles the current state as a job; getProfile has its report once it is done. */
  async startProfile(p: StartProfileParams): Promise<JobInfo> {
    const state = await this.modelState(p.modelId, undefined, p.version);
    const input = await this.profileInput(p.modelId, p.options);
    const host = (this.runtimeHost ??= new RuntimeHost());
    return this.jobList.start('profile', `profile ${state.label}`, (c) => profileJob(host, input, state, c), (info, report) => this.keepReport(info, report));
  }

  /** Compares the current state (B) with the file as opened or a history state (A) as a job. */
  async startCompare(p: StartCompareParams): Promise<JobInfo> {
    const b = await this.modelState(p.modelId, undefined, p.version);
    const a = await this.modelState(p.modelId, p.against === 'original' ? 0 : p.against, undefined);
    const input = await this.profileInput(p.modelId, p.options);
    const host = (this.runtimeHost ??= new RuntimeHost());
    return this.jobList.start('compare', `compare ${b.label} with ${a.label}`, (c) => compareJob(host, input, a, b, c), (info, report) => this.keepReport(info, report));
  }

  private keepReport(info: JobInfo, report: ProfileReport | CompareReport | undefined): void {
    if (report) this.reports.set(info.jobId, report);
    for (const id of this.reports.keys()) if (!this.jobList.has(id)) this.reports.delete(id);
  }

  async getProfile(jobId: string): Promise<ProfileResult> {
    const job = this.jobList.get(jobId);
    if (job.kind !== 'profile') throw new WorkbenchError('UNKNOWN_JOB', `job "${jobId}" is a ${job.kind} job, not a profile`);
    return { job, report: (this.reports.get(jobId) as ProfileReport | undefined) ?? null };
  }

  async getCompare(jobId: string): Promise<CompareResult> {
    const job = this.jobList.get(jobId);
    if (job.kind !== 'compare') throw new WorkbenchError('UNKNOWN_JOB', `job "${jobId}" is a ${job.kind} job, not a comparison`);
    return { job, report: (this.reports.get(jobId) as CompareReport | undefined) ?? null };
  }

  getQuantizeSettings(): Promise<QuantizeSettings> {
    return this.quantizeSettings.get();
  }

  /** A history state's model as its step left it (null: the file as opened). */
  private stateModel(modelId: string, editor: ModelEditor, state: number): ModelProto | null {
    if (state === 0) return null;
    const record = editor.stepRecord(state);
    const snapshot = record && this.stepModels.get(record);
    if (!snapshot) throw new WorkbenchError('BAD_STEP', `${this.document(modelId).origin.name}: history state ${state} was not kept`);
    return snapshot;
  }

  /** Quantizes as a job: one history step with its measured figures; its settings are remembered for the next time. */
  async startQuantize(p: StartQuantizeParams): Promise<JobInfo> {
    const doc = this.document(p.modelId);
    const editor = this.editor(p.modelId);
    if (p.replaceStep !== undefined && !editor.stepRecord(p.replaceStep)?.operation.startsWith('quantize-')) {
      throw new WorkbenchError('BAD_STEP', `${doc.origin.name}: step ${p.replaceStep} is not a quantize step`);
    }
    await this.quantizeSettings.set(p.settings);
    return this.startEditJob('quantize', `quantize-${p.settings.mode} ${doc.origin.name}`, p.modelId, this.quantizeEdits, true, (common, c) =>
      quantizeJob({ ...common, settings: p.settings, ...(p.selection ? { selection: p.selection } : {}), ...(p.version !== undefined ? { version: p.version } : {}), ...(p.replaceStep !== undefined ? { replaceStep: p.replaceStep } : {}) }, c),
    );
  }

  async getQuantize(jobId: string): Promise<QuantizeResult> {
    const job = this.jobList.get(jobId);
    if (job.kind !== 'quantize') throw new WorkbenchError('UNKNOWN_JOB', `job "${jobId}" is a ${job.kind} job, not a quantization`);
    return { job, edit: this.quantizeEdits.get(jobId) ?? null };
  }

  /** Per-layer sensitivity of a quantize step (the state before it against the state after it) as a job; getSensitivity has the report. */
  async startSensitivity(p: StartSensitivityParams): Promise<JobInfo> {
    const doc = this.document(p.modelId);
    const editor = this.editor(p.modelId);
    await editor.idle();
    const step = p.step ?? editor.history().state;
    const record = editor.stepRecord(step);
    if (!record?.operation.startsWith('quantize-')) throw new WorkbenchError('BAD_STEP', `${doc.origin.name}: ${step === 0 ? 'no step applied' : `step ${step} is not a quantize step`}; sensitivity compares a quantize step with the state before it`);
    const before = this.stateModel(p.modelId, editor, step - 1);
    const after = this.stateModel(p.modelId, editor, step)!;
    const verify = (await this.verifySettings.get(doc.settingsKey)) ?? DEFAULT_VERIFY_SETTINGS;
    const host = (this.runtimeHost ??= new RuntimeHost());
    return this.jobList.start(
      'sensitivity',
      `sensitivity of ${doc.origin.name} (step ${step})`,
      (c) => sensitivityJob(host, { source: doc.model, before, after, verify, ...(this.options.tempDir ? { tempDir: this.options.tempDir } : {}) }, c),
      (info, report) => {
        if (report) this.sensitivityReports.set(info.jobId, { step, report });
        for (const id of this.sensitivityReports.keys()) if (!this.jobList.has(id)) this.sensitivityReports.delete(id);
      },
    );
  }

  async getSensitivity(jobId: string): Promise<SensitivityResult> {
    const job = this.jobList.get(jobId);
    if (job.kind !== 'sensitivity') throw new WorkbenchError('UNKNOWN_JOB', `job "${jobId}" is a ${job.kind} job, not a sensitivity measurement`);
    const r = this.sensitivityReports.get(jobId);
    return { job, step: r?.step ?? null, report: r?.report ?? null };
  }

  /** The coupled channel groups with their norms (prune-channels' dry run). */
  async getPruneGroups(modelId: string, criterion: 'l1' | 'l2', hidden?: boolean): Promise<PruneGroups> {
    return pruneGroups(this.editor(modelId), this.document(modelId).model.ir, criterion, hidden);
  }

  async getPruneSettings(modelId: string): Promise<PruneSettings> {
    return (await this.pruneSettings.get(this.document(modelId).settingsKey)) ?? DEFAULT_PRUNE_SETTINGS;
  }

  /** Prunes (and recovers) as a job: one history step with its measured figures; its settings are remembered for the model (picked channels are not: they name one state's channels). */
  async startPrune(p: StartPruneParams): Promise<JobInfo> {
    const doc = this.document(p.modelId);
    const { channels: _picked, ...remembered } = p.settings;
    await this.pruneSettings.set(doc.settingsKey, remembered);
    return this.startEditJob('prune', `prune ${doc.origin.name}`, p.modelId, this.pruneEdits, false, (common, c) =>
      pruneJob({ ...common, settings: p.settings, ...(p.selection ? { selection: p.selection } : {}), ...(p.version !== undefined ? { version: p.version } : {}) }, c),
    );
  }

  /**
   * A long edit (quantize, prune) as a job: one history step, then (when `verifyStep`) its
   * verification; the step's result is kept in `edits` by job id while the job is listed.
   */
  private async startEditJob(
    kind: 'quantize' | 'prune',
    title: string,
    modelId: string,
    edits: Map<string, EditResult>,
    verifyStep: boolean,
    run: (common: EditJobInput, c: JobControl) => Promise<AppliedStep>,
  ): Promise<JobInfo> {
    const doc = this.document(modelId);
    const editor = this.editor(modelId);
    const verify = (await this.verifySettings.get(doc.settingsKey)) ?? DEFAULT_VERIFY_SETTINGS;
    const host = (this.runtimeHost ??= new RuntimeHost());
    const common: EditJobInput = {
      source: doc.model,
      editor,
      registry: this.operations,
      host,
      verify,
      stateModel: (state) => this.stateModel(modelId, editor, state),
      ...(this.options.tempDir ? { tempDir: this.options.tempDir } : {}),
    };
    return this.jobList.start(
      kind,
      title,
      async (c) => (await this.stepApplied(modelId, editor, await run(common, c), verifyStep)).result,
      (info, edit) => {
        if (edit) edits.set(info.jobId, edit);
        for (const id of edits.keys()) if (!this.jobList.has(id)) edits.delete(id);
      },
    );
  }

  async getPrune(jobId: string): Promise<PruneResult> {
    const job = this.jobList.get(jobId);
    if (job.kind !== 'prune') throw new WorkbenchError('UNKNOWN_JOB', `job "${jobId}" is a ${job.kind} job, not a pruning`);
    return { job, edit: this.pruneEdits.get(jobId) ?? null };
  }

  /** Serves the current state (the file as opened, or the state written to a temporary file) on 127.0.0.1. */
  async startServing(p: { modelId: string; version?: number; options: ServingOptions }): Promise<ServingInfo> {
    const state = await this.modelState(p.modelId, undefined, p.version);
    const doc = this.document(p.modelId);
    return this.serving.start({ modelId: p.modelId, source: doc.model, fileName: doc.origin.name, state, options: p.options, ...(this.options.tempDir ? { tempDir: this.options.tempDir } : {}) });
  }

  async stopServing(modelId: string): Promise<{ stopped: boolean }> {
    return { stopped: await this.serving.stop(modelId) };
  }

  async getServing(modelId: string): Promise<ServingStatus> {
    this.document(modelId);
    return this.serving.status(modelId);
  }

  /** A load test (the load command's generator, closed loop) against the model's server, as a job. */
  async startLoad(p: StartLoadParams): Promise<JobInfo> {
    const doc = this.document(p.modelId);
    const info = this.serving.info(p.modelId, doc.origin.name);
    return this.jobList.start('load', `load test of ${info.url} (${p.concurrency} clients, ${p.durationS} s)`, (c) => loadJob(info, p.durationS, p.concurrency, c), (job, report) => {
      if (report) this.loadReports.set(job.jobId, report);
      for (const id of this.loadReports.keys()) if (!this.jobList.has(id)) this.loadReports.delete(id);
    });
  }

  async getLoad(jobId: string): Promise<LoadResult> {
    const job = this.jobList.get(jobId);
    if (job.kind !== 'load') throw new WorkbenchError('UNKNOWN_JOB', `job "${jobId}" is a ${job.kind} job, not a load test`);
    return { job, report: this.loadReports.get(jobId) ?? null };
  }

  /** Resolves when a job has ended (for the CLI and tests; clients poll getJob or watch progress). */
  async waitForJob(jobId: string): Promise<JobInfo> {
    return this.jobList.wait(jobId);
  }

  /**
   * Closes a document (removing its temporary file, for uploads). Unknown ids are ignored.
   * `discardUnsaved`: the user chose to drop unsaved steps; otherwise their recovery copy stays.
   */
  async closeModel(modelId: string, discardUnsaved = false): Promise<void> {
    // Gone from the maps at once (eviction counts on it), the recovery copy settled after.
    this.docs.delete(modelId);
    this.editors.delete(modelId);
    // Its server goes with it (before an upload's file is removed from under it).
    const served = this.serving.stop(modelId).catch(() => false);
    const copy = this.unsaved.closed(modelId, discardUnsaved);
    const file = this.uploadFiles.get(modelId);
    this.uploadFiles.delete(modelId);
    await served;
    if (file) await this.uploads.remove(file);
    await copy;
  }

  onProgress(listener: (e: ProgressEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: ProgressEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // A listener's failure (a closed socket, a destroyed window) is not the caller's.
      }
    }
  }

  /** Closes every document and removes the temporary folder. */
  async dispose(): Promise<void> {
    await this.unsaved.flush().catch(() => undefined);
    this.jobList.cancelAll();
    await this.serving.stopAll();
    this.runtimeHost?.close();
    this.editors.clear();
    this.docs.clear();
    this.uploadFiles.clear();
    this.listeners.clear();
    await this.uploads.dispose();
  }
}
