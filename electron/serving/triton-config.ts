// A Triton Inference Server model configuration (config.pbtxt, protobuf text format of
// inference.ModelConfig) for an ONNX model served by the onnxruntime backend.

import type { ProviderName, ServedValueInfo } from '../runtime-host/host-protocol.js';
import { v2TypeOf } from './datatypes.js';

export interface TritonSettings {
  name: string;
  inputs: ServedValueInfo[];
  outputs: ServedValueInfo[];
  /** 0: no batching by Triton (dims are written whole); else the batch dim is left out of dims. */
  maxBatchSize: number;
  preferredBatchSizes: number[];
  maxQueueDelayMicroseconds: number;
  provider: ProviderName;
  instances: number;
}

const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

function tensor(v: ServedValueInfo, batched: boolean): string {
  // Triton's DataType enum is TYPE_ + the KServe v2 name, except BYTES, which is TYPE_STRING.
  const v2 = v2TypeOf(v.type) ?? 'BYTES';
  const dims = (v.shape ?? [-1]).slice(batched ? 1 : 0).map((d) => d ?? -1);
  // Triton needs non-empty dims: a tensor that is only the batch dim ([N]), or a scalar, is
  // written [1] and reshaped to what the model takes (Triton's model configuration guide, "Reshape").
  const shape = dims.length ? `dims: [ ${dims.join(', ')} ]` : 'dims: [ 1 ]\n    reshape: { shape: [ ] }';
  return `  {\n    name: ${q(v.name)}\n    data_type: TYPE_${v2 === 'BYTES' ? 'STRING' : v2}\n    ${shape}\n  }`;
}

export function tritonConfig(s: TritonSettings): string {
  const batched = s.maxBatchSize > 0;
  const lines = [
    `name: ${q(s.name)}`,
    'platform: "onnxruntime_onnx"',
    'backend: "onnxruntime"',
    'default_model_filename: "model.onnx"',
    `max_batch_size: ${s.maxBatchSize}`,
    `input [\n${s.inputs.map((v) => tensor(v, batched)).join(',\n')}\n]`,
    `output [\n${s.outputs.map((v) => tensor(v, batched)).join(',\n')}\n]`,
  ];
  if (batched) {
    lines.push(`dynamic_batching {\n  preferred_batch_size: [ ${s.preferredBatchSizes.join(', ')} ]\n  max_queue_delay_microseconds: ${s.maxQueueDelayMicroseconds}\n}`);
  }
  lines.push(`instance_group [\n  {\n    count: ${s.instances}\n    kind: ${s.provider === 'cpu' ? 'KIND_CPU' : 'KIND_GPU'}\n  }\n]`);
  if (s.provider === 'tensorrt') lines.push('optimization {\n  execution_accelerators {\n    gpu_execution_accelerator: [\n      {\n        name: "tensorrt"\n      }\n    ]\n  }\n}');
  return `${lines.join('\n')}\n`;
}
