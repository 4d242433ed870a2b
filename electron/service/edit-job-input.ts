// What a long edit run as a job (quantize, prune) takes from the service: the document, its
// editor and runtime, the model's verification settings, and how to read a history state's model.

import type { ModelProto } from '../../shared/onnx/proto-types.js';
import type { OperationRegistry } from '../../shared/operations/registry.js';
import type { VerifyInputSettings } from '../../shared/verify/input-settings.js';
import type { OpenedModel } from '../io/open-model.js';
import type { RuntimeHost } from '../runtime-host/runtime-host.js';
import type { ModelEditor } from './model-editor.js';

export interface EditJobInput {
  source: OpenedModel;
  editor: ModelEditor;
  registry: OperationRegistry;
  host: RuntimeHost;
  /** The model's verification settings: dims and values for calibration and measuring, and the inputs calibration 'settings' uses. */
  verify: VerifyInputSettings;
  selection?: number[];
  version?: number;
  /** A history state's model (null: the file as opened). */
  stateModel(state: number): ModelProto | null;
  tempDir?: string;
}
