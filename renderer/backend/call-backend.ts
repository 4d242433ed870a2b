import type { Backend, GraphInfo, GraphPath, OpenedModelInfo, ProgressEvent, TensorInfo, VerifySettingsInfo } from '../../shared/protocol/backend.js';
import type { ApplyRequest, EditHistory, EditResult, JobInfo, ListOperationsParams, OperationList, OperationPreview, OperationRequest, SavedModel } from '../../shared/protocol/operations-api.js';
import type { DocumentState, RecoveryInfo, SaveTarget } from '../../shared/protocol/recovery-api.js';
import type { CompareResult, ProfileResult, StartCompareParams, StartProfileParams } from '../../shared/protocol/profile-api.js';
import type { QuantizeResult, SensitivityResult, StartQuantizeParams, StartSensitivityParams } from '../../shared/protocol/quantize-api.js';
import type { QuantizeSettings } from '../../shared/quantize/quantize-settings.js';
import type { RecipeFolder, RecipeFolderChoice, RecipeText } from '../../shared/protocol/recipe-api.js';
import type { PruneGroups, PruneResult, PruneSettings, StartPruneParams } from '../../shared/protocol/prune-api.js';
import type { LoadResult, ServingInfo, ServingOptions, ServingStatus, StartLoadParams } from '../../shared/protocol/serving-api.js';
import type { ApplyTextParams, GetTextParams, ModelText, TextApplyResult } from '../../shared/protocol/text-api.js';
import type { GraphChanges, GraphChangesParams } from '../../shared/protocol/graph-changes-api.js';
import type { VerifyInputSettings } from '../../shared/verify/input-settings.js';
import { backendOver, type MethodName, type MethodParams, type MethodResult } from '../../shared/protocol/methods.js';

/**
 * A Backend over a transport's `call` (one method of the API table, its params, its checked
 * result): what the HTTP and IPC backends share. They add the call and the progress events.
 */
export abstract class CallBackend implements Backend {
  private readonly calls = backendOver((method, params) => this.call(method, params));

  protected abstract call<M extends MethodName>(method: M, params: MethodParams<M>): Promise<MethodResult<M>>;

  abstract onProgress(listener: (e: ProgressEvent) => void): () => void;

  initialModel(): Promise<OpenedModelInfo | null> {
    return this.calls.initialModel();
  }

  openModel(source: { path: string } | { name: string; bytes: Uint8Array }): Promise<OpenedModelInfo> {
    return this.calls.openModel(source);
  }

  getGraph(modelId: string, path: GraphPath): Promise<GraphInfo> {
    return this.calls.getGraph(modelId, path);
  }

  getTensor(modelId: string, path: GraphPath, name: string): Promise<TensorInfo> {
    return this.calls.getTensor(modelId, path, name);
  }

  getVerifySettings(modelId: string): Promise<VerifySettingsInfo> {
    return this.calls.getVerifySettings(modelId);
  }

  setVerifySettings(modelId: string, settings: VerifyInputSettings): Promise<VerifySettingsInfo> {
    return this.calls.setVerifySettings(modelId, settings);
  }

  listOperations(params: ListOperationsParams): Promise<OperationList> {
    return this.calls.listOperations(params);
  }

  previewOperation(params: OperationRequest): Promise<OperationPreview> {
    return this.calls.previewOperation(params);
  }

  applyOperation(params: ApplyRequest): Promise<EditResult> {
    return this.calls.applyOperation(params);
  }

  undo(params: { modelId: string; version?: number }): Promise<EditResult> {
    return this.calls.undo(params);
  }

  redo(params: { modelId: string; version?: number }): Promise<EditResult> {
    return this.calls.redo(params);
  }

  goToStep(params: { modelId: string; index: number; version?: number }): Promise<EditResult> {
    return this.calls.goToStep(params);
  }

  getHistory(modelId: string): Promise<EditHistory> {
    return this.calls.getHistory(modelId);
  }

  saveModel(params: { modelId: string; path: string; overwrite?: boolean; externalData?: number }): Promise<SavedModel> {
    return this.calls.saveModel(params);
  }

  getJob(jobId: string): Promise<JobInfo> {
    return this.calls.getJob(jobId);
  }

  cancelJob(jobId: string): Promise<JobInfo> {
    return this.calls.cancelJob(jobId);
  }

  getDocumentState(modelId: string): Promise<DocumentState> {
    return this.calls.getDocumentState(modelId);
  }

  chooseSavePath(modelId: string): Promise<SaveTarget> {
    return this.calls.chooseSavePath(modelId);
  }

  listRecoveries(): Promise<RecoveryInfo[]> {
    return this.calls.listRecoveries();
  }

  restoreRecovery(id: string): Promise<OpenedModelInfo> {
    return this.calls.restoreRecovery(id);
  }

  discardRecovery(id: string): Promise<RecoveryInfo[]> {
    return this.calls.discardRecovery(id);
  }

  startProfile(params: StartProfileParams): Promise<JobInfo> {
    return this.calls.startProfile(params);
  }

  getProfile(jobId: string): Promise<ProfileResult> {
    return this.calls.getProfile(jobId);
  }

  startCompare(params: StartCompareParams): Promise<JobInfo> {
    return this.calls.startCompare(params);
  }

  getCompare(jobId: string): Promise<CompareResult> {
    return this.calls.getCompare(jobId);
  }

  getQuantizeSettings(): Promise<QuantizeSettings> {
    return this.calls.getQuantizeSettings();
  }

  startQuantize(params: StartQuantizeParams): Promise<JobInfo> {
    return this.calls.startQuantize(params);
  }

  getQuantize(jobId: string): Promise<QuantizeResult> {
    return this.calls.getQuantize(jobId);
  }

  startSensitivity(params: StartSensitivityParams): Promise<JobInfo> {
    return this.calls.startSensitivity(params);
  }

  getSensitivity(jobId: string): Promise<SensitivityResult> {
    return this.calls.getSensitivity(jobId);
  }

  getRecipeSchema(): Promise<Record<string, unknown>> {
    return this.calls.getRecipeSchema();
  }

  historyRecipe(modelId: string): Promise<RecipeText> {
    return this.calls.historyRecipe(modelId);
  }

  runRecipe(params: { modelId: string; text: string; version?: number }): Promise<JobInfo> {
    return this.calls.runRecipe(params);
  }

  getRecipeFolder(): Promise<RecipeFolder> {
    return this.calls.getRecipeFolder();
  }

  setRecipeFolder(folder: string): Promise<RecipeFolder> {
    return this.calls.setRecipeFolder(folder);
  }

  chooseRecipeFolder(): Promise<RecipeFolderChoice> {
    return this.calls.chooseRecipeFolder();
  }

  readRecipe(name: string): Promise<RecipeText> {
    return this.calls.readRecipe(name);
  }

  saveRecipe(params: { name: string; text: string; overwrite?: boolean }): Promise<RecipeFolder> {
    return this.calls.saveRecipe(params);
  }

  getPruneGroups(modelId: string, criterion: 'l1' | 'l2', hidden?: boolean): Promise<PruneGroups> {
    return this.calls.getPruneGroups(modelId, criterion, hidden);
  }

  getPruneSettings(modelId: string): Promise<PruneSettings> {
    return this.calls.getPruneSettings(modelId);
  }

  startPrune(params: StartPruneParams): Promise<JobInfo> {
    return this.calls.startPrune(params);
  }

  getPrune(jobId: string): Promise<PruneResult> {
    return this.calls.getPrune(jobId);
  }

  startServing(params: { modelId: string; version?: number; options: ServingOptions }): Promise<ServingInfo> {
    return this.calls.startServing(params);
  }

  stopServing(modelId: string): Promise<{ stopped: boolean }> {
    return this.calls.stopServing(modelId);
  }

  getServing(modelId: string): Promise<ServingStatus> {
    return this.calls.getServing(modelId);
  }

  startLoad(params: StartLoadParams): Promise<JobInfo> {
    return this.calls.startLoad(params);
  }

  getLoad(jobId: string): Promise<LoadResult> {
    return this.calls.getLoad(jobId);
  }

  getModelText(params: GetTextParams): Promise<ModelText> {
    return this.calls.getModelText(params);
  }

  applyModelText(params: ApplyTextParams): Promise<TextApplyResult> {
    return this.calls.applyModelText(params);
  }

  getGraphChanges(params: GraphChangesParams): Promise<GraphChanges | null> {
    return this.calls.getGraphChanges(params);
  }
}
