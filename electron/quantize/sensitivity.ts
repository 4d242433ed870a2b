// Per-layer sensitivity of a quantized model: the service's entry point (CLI `sensitivity`,
// `quantize --auto`, the app's sensitivity view). The work runs in the runtime host.

import type { VerifyInputSettings } from '../../shared/verify/input-settings.js';
import type { DetailedSensitivityReport, LayerSensitivityDetail } from '../runtime/sensitivity-run.js';
import type { Progress, RuntimeHost } from '../runtime-host/runtime-host.js';

export type { DetailedSensitivityReport, LayerSensitivityDetail };

export interface SensitivityOptions {
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
}

/**
 * How far each quantized layer of `quantModel` drifts from `floatModel` (worst first, lowest
 * SQNR): both models run in `host` on the same input sets, from `inputs` as verification takes
 * them (`inputsPath`, `values`, `dims`; generated for the rest, two random sets by default). A
 * model is a path or its encoded bytes; both run re-encoded with the compared tensors as outputs,
 * with external data read in (up to protobuf's 2 GiB). Each layer also says
 * which quantized node and tensor it was read from (`quantNode`, `quantTensor`). Rejects with a
 * WorkbenchError (code NOTHING_QUANTIZED) when no float node has a quantized counterpart, with
 * code CANCELLED when `opts.signal` aborts, and with a HostFailure when onnxruntime fails mid-run.
 */
export function measureSensitivity(
  host: RuntimeHost,
  floatModel: string | Uint8Array,
  quantModel: string | Uint8Array,
  inputs: VerifyInputSettings = { dims: {}, values: {} },
  opts: SensitivityOptions = {},
): Promise<DetailedSensitivityReport> {
  return host.sensitivity({ float: floatModel, quant: quantModel, inputs }, { ...(opts.onProgress ? { onProgress: opts.onProgress } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
}
