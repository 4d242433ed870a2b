// export-serving: the Triton repository and KServe manifest, with config.pbtxt checked against
// Triton's model configuration schema (model_config.proto's field names and types, written down
// here), and its contents against the model (inputs, outputs, batching from measurement).

import { existsSync, readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../electron/cli/main.js';
import { tritonConfig } from '../../electron/serving/triton-config.js';
import { convModel, fixedModel, writeModels } from './serving-models.js';

// Triton's inference.ModelConfig (model_config.proto, r24.x), the messages and fields it can hold.
type FieldType = 'string' | 'int32' | 'int64' | 'uint64' | 'bool' | `enum:${string}` | `message:${string}` | 'map';
interface Field {
  type: FieldType;
  repeated?: boolean;
}
const ENUMS: Record<string, string[]> = {
  DataType: ['TYPE_INVALID', 'TYPE_BOOL', 'TYPE_UINT8', 'TYPE_UINT16', 'TYPE_UINT32', 'TYPE_UINT64', 'TYPE_INT8', 'TYPE_INT16', 'TYPE_INT32', 'TYPE_INT64', 'TYPE_FP16', 'TYPE_FP32', 'TYPE_FP64', 'TYPE_STRING', 'TYPE_BF16'],
  Kind: ['KIND_AUTO', 'KIND_GPU', 'KIND_CPU', 'KIND_MODEL'],
  Format: ['FORMAT_NONE', 'FORMAT_NHWC', 'FORMAT_NCHW'],
};
const MESSAGES: Record<string, Record<string, Field>> = {
  ModelConfig: {
    name: { type: 'string' },
    platform: { type: 'string' },
    backend: { type: 'string' },
    runtime: { type: 'string' },
    version_policy: { type: 'message:Any' },
    max_batch_size: { type: 'int32' },
    input: { type: 'message:ModelInput', repeated: true },
    output: { type: 'message:ModelOutput', repeated: true },
    batch_input: { type: 'message:Any', repeated: true },
    batch_output: { type: 'message:Any', repeated: true },
    optimization: { type: 'message:ModelOptimizationPolicy' },
    dynamic_batching: { type: 'message:ModelDynamicBatching' },
    sequence_batching: { type: 'message:Any' },
    ensemble_scheduling: { type: 'message:Any' },
    instance_group: { type: 'message:ModelInstanceGroup', repeated: true },
    default_model_filename: { type: 'string' },
    cc_model_filenames: { type: 'map' },
    metric_tags: { type: 'map' },
    parameters: { type: 'map' },
    model_warmup: { type: 'message:Any', repeated: true },
    model_operations: { type: 'message:Any' },
    model_transaction_policy: { type: 'message:Any' },
    model_repository_agents: { type: 'message:Any' },
    response_cache: { type: 'message:Any' },
  },
  ModelInput: {
    name: { type: 'string' },
    data_type: { type: 'enum:DataType' },
    format: { type: 'enum:Format' },
    dims: { type: 'int64', repeated: true },
    reshape: { type: 'message:ModelTensorReshape' },
    is_shape_tensor: { type: 'bool' },
    allow_ragged_batch: { type: 'bool' },
    optional: { type: 'bool' },
  },
  ModelOutput: {
    name: { type: 'string' },
    data_type: { type: 'enum:DataType' },
    dims: { type: 'int64', repeated: true },
    reshape: { type: 'message:ModelTensorReshape' },
    label_filename: { type: 'string' },
    is_shape_tensor: { type: 'bool' },
  },
  ModelTensorReshape: { shape: { type: 'int64', repeated: true } },
  ModelDynamicBatching: {
    preferred_batch_size: { type: 'int32', repeated: true },
    max_queue_delay_microseconds: { type: 'uint64' },
    preserve_ordering: { type: 'bool' },
    priority_levels: { type: 'uint64' },
    default_priority_level: { type: 'uint64' },
    default_queue_policy: { type: 'message:Any' },
    priority_queue_policy: { type: 'map' },
  },
  ModelInstanceGroup: {
    name: { type: 'string' },
    kind: { type: 'enum:Kind' },
    count: { type: 'int32' },
    rate_limiter: { type: 'message:Any' },
    gpus: { type: 'int32', repeated: true },
    secondary_devices: { type: 'message:Any', repeated: true },
    profile: { type: 'string', repeated: true },
    passive: { type: 'bool' },
    host_policy: { type: 'string' },
  },
  ModelOptimizationPolicy: {
    graph: { type: 'message:Any' },
    priority: { type: 'enum:Priority' },
    cuda: { type: 'message:Any' },
    execution_accelerators: { type: 'message:ExecutionAccelerators' },
    input_pinned_memory: { type: 'message:Any' },
    output_pinned_memory: { type: 'message:Any' },
    gather_kernel_buffer_threshold: { type: 'uint64' },
    eager_batching: { type: 'bool' },
  },
  ExecutionAccelerators: {
    gpu_execution_accelerator: { type: 'message:Accelerator', repeated: true },
    cpu_execution_accelerator: { type: 'message:Accelerator', repeated: true },
  },
  Accelerator: { name: { type: 'string' }, parameters: { type: 'map' } },
};

type Value = string | number | boolean | { enum: string } | Message | Value[];
type Message = { fields: [string, Value][] };

/** A small reader of protobuf text format: enough for config.pbtxt files. */
function parseTextFormat(text: string): Message {
  const tokens = text.match(/"(?:[^"\\]|\\.)*"|[{}[\]:,]|[^\s{}[\]:,]+/g) ?? [];
  let at = 0;
  const scalar = (t: string): Value => {
    if (t.startsWith('"')) return JSON.parse(t) as string;
    if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
    if (t === 'true' || t === 'false') return t === 'true';
    return { enum: t };
  };
  const value = (): Value => {
    const t = tokens[at++]!;
    if (t === '{') return message('}');
    if (t === '[') {
      const list: Value[] = [];
      while (tokens[at] !== ']') {
        list.push(value());
        if (tokens[at] === ',') at++;
      }
      at++;
      return list;
    }
    return scalar(t);
  };
  const message = (end: string | undefined): Message => {
    const fields: [string, Value][] = [];
    while (at < tokens.length && tokens[at] !== end) {
      const name = tokens[at++]!;
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`expected a field name, found ${name}`);
      if (tokens[at] === ':') at++;
      fields.push([name, value()]);
    }
    at++;
    return { fields };
  };
  return message(undefined);
}

/** Every field known to its message, once unless repeated, with a value of its type. */
function checkMessage(m: Message, type: string, path: string): void {
  const schema = MESSAGES[type];
  if (!schema) return;
  const seen = new Set<string>();
  for (const [name, v] of m.fields) {
    const f = schema[name];
    expect(f, `${path}.${name} is not a field of ${type}`).toBeDefined();
    if (!f!.repeated) {
      expect(seen.has(name), `${path}.${name} given twice`).toBe(false);
      expect(Array.isArray(v), `${path}.${name} is not repeated`).toBe(false);
    }
    seen.add(name);
    for (const item of Array.isArray(v) ? v : [v]) checkValue(item, f!.type, `${path}.${name}`);
  }
  // Triton refuses a tensor with no dims ("every input must specify a non-empty dims").
  if (type === 'ModelInput' || type === 'ModelOutput') expect((m.fields.find(([n]) => n === 'dims')?.[1] as Value[] | undefined)?.length, `${path}.dims is not empty`).toBeGreaterThan(0);
}

function checkValue(v: Value, type: FieldType, path: string): void {
  if (type === 'string') expect(typeof v, path).toBe('string');
  else if (type === 'bool') expect(typeof v, path).toBe('boolean');
  else if (type === 'int32' || type === 'int64' || type === 'uint64') {
    expect(Number.isInteger(v), `${path} is a whole number`).toBe(true);
    if (type === 'uint64') expect(v as number, path).toBeGreaterThanOrEqual(0);
    if (type === 'int32') expect(Math.abs(v as number), path).toBeLessThan(2 ** 31);
  } else if (type.startsWith('enum:')) {
    const e = ENUMS[type.slice(5)];
    expect(typeof v === 'object' && v !== null && 'enum' in v, `${path} is an enum name`).toBe(true);
    if (e) expect(e, path).toContain((v as { enum: string }).enum);
  } else if (type.startsWith('message:')) {
    expect(typeof v === 'object' && v !== null && 'fields' in v, `${path} is a message`).toBe(true);
    checkMessage(v as Message, type.slice(8), path);
  }
}

const get = (m: Message, name: string) => m.fields.filter(([n]) => n === name).map(([, v]) => v);
const one = (m: Message, name: string) => get(m, name)[0];
const items = (m: Message, name: string) => get(m, name).flatMap((v) => (Array.isArray(v) ? v : [v])) as Message[];

let paths: Record<string, string>;
let dir: string;
beforeAll(() => {
  paths = writeModels({ conv: convModel(), fixed: fixedModel() });
  dir = mkdtempSync(join(tmpdir(), 'export-serving-'));
});

async function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('export-serving', () => {
  it('writes a Triton repository whose config follows the schema, with batching from measured sizes', async () => {
    const out = join(dir, 'triton');
    const r = await cli('export-serving', paths.conv!, '--format', 'triton', '-o', out, '--batch-sizes', '1,2,4', '--runs', '3');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const measured = [...r.out.matchAll(/batch +(\d+): ([\d.]+) ms, (\d+) rows\/s/g)].map((m) => ({ batch: Number(m[1]), rows: Number(m[3]) }));
    expect(measured.map((m) => m.batch)).toEqual([1, 2, 4]);
    const chosen = Number(/batch +(\d+):[^\n]*<- chosen/.exec(r.out)![1]);
    const best = Math.max(...measured.map((m) => m.rows));
    // The smallest size within 5% of the best rows/s (the printed figures are rounded).
    expect(measured.find((m) => m.rows >= 0.95 * best - 1)!.batch).toBe(chosen);

    const config = parseTextFormat(readFileSync(join(out, 'conv', 'config.pbtxt'), 'utf8'));
    checkMessage(config, 'ModelConfig', 'config');
    expect(one(config, 'name')).toBe('conv');
    expect(one(config, 'platform')).toBe('onnxruntime_onnx');
    expect(one(config, 'backend')).toBe('onnxruntime');
    expect(one(config, 'max_batch_size')).toBe(chosen);
    const [input] = items(config, 'input');
    expect(one(input!, 'data_type')).toEqual({ enum: 'TYPE_FP32' });
    expect(one(input!, 'dims')).toEqual([3, 16, 16]);
    expect(one(items(config, 'output')[0]!, 'dims')).toEqual([8, 14, 14]);
    const batching = one(config, 'dynamic_batching') as Message;
    expect(one(batching, 'preferred_batch_size')).toEqual([chosen]);
    expect(one(batching, 'max_queue_delay_microseconds')).toBeGreaterThan(0);
    expect(one(items(config, 'instance_group')[0]!, 'kind')).toEqual({ enum: 'KIND_CPU' });
    expect(readFileSync(join(out, 'conv', '1', 'model.onnx'))).toEqual(readFileSync(paths.conv!));
    expect(existsSync(join(out, 'inference-service.yaml'))).toBe(false);
  }, 120_000);

  it('writes whole dims and no batching for a model whose first dim is fixed, and a KServe manifest', async () => {
    const out = join(dir, 'kserve');
    const r = await cli('export-serving', paths.fixed!, '--format', 'kserve', '-o', out, '--name', 'fixed', '--storage-uri', 's3://bucket/repo');
    expect(r.code).toBe(0);
    const config = parseTextFormat(readFileSync(join(out, 'fixed', 'config.pbtxt'), 'utf8'));
    checkMessage(config, 'ModelConfig', 'config');
    expect(one(config, 'max_batch_size')).toBe(0);
    expect(get(config, 'dynamic_batching')).toEqual([]);
    expect(items(config, 'input').map((i) => [one(i, 'name'), one(i, 'data_type'), one(i, 'dims')])).toEqual([
      ['a', { enum: 'TYPE_FP32' }, [2, 3]],
      ['k', { enum: 'TYPE_INT64' }, [2, 3]],
    ]);
    const manifest = readFileSync(join(out, 'inference-service.yaml'), 'utf8');
    expect(manifest).toMatch(/^kind: InferenceService$/m);
    expect(manifest).toMatch(/^ {6}storageUri: "s3:\/\/bucket\/repo"$/m);
    expect(manifest).toMatch(/^ {8}name: triton$/m);
    expect(manifest).toMatch(/^ {6}protocolVersion: v2$/m);
  }, 120_000);

  it('writes the TensorRT accelerator and GPU instances in schema form', () => {
    const text = tritonConfig({ name: 'm', inputs: [{ name: 'x', type: 'float16', shape: [null, 4] }], outputs: [{ name: 'y', type: 'string', shape: [null] }], maxBatchSize: 8, preferredBatchSizes: [8], maxQueueDelayMicroseconds: 500, provider: 'tensorrt', instances: 2 });
    const config = parseTextFormat(text);
    checkMessage(config, 'ModelConfig', 'config');
    expect(one(items(config, 'instance_group')[0]!, 'kind')).toEqual({ enum: 'KIND_GPU' });
    expect(one(items(config, 'output')[0]!, 'data_type')).toEqual({ enum: 'TYPE_STRING' });
    // Only the batch dim: Triton takes no empty dims, so [1] reshaped to the model's [N] (its guide's "Reshape").
    const out = items(config, 'output')[0]!;
    expect(one(out, 'dims')).toEqual([1]);
    expect(one(one(out, 'reshape') as Message, 'shape')).toEqual([]);
    expect(one(items(config, 'input')[0]!, 'reshape')).toBeUndefined();
    const acc = one(one(one(config, 'optimization') as Message, 'execution_accelerators') as Message, 'gpu_execution_accelerator') as Message[];
    expect(one(acc[0]!, 'name')).toBe('tensorrt');
  });

  it('writes a scalar of a model without batching as dims [1] reshaped to no dims', () => {
    const text = tritonConfig({ name: 'm', inputs: [{ name: 'x', type: 'float32', shape: [4] }], outputs: [{ name: 'score', type: 'float32', shape: [] }], maxBatchSize: 0, preferredBatchSizes: [], maxQueueDelayMicroseconds: 0, provider: 'cpu', instances: 1 });
    const config = parseTextFormat(text);
    checkMessage(config, 'ModelConfig', 'config');
    expect(one(items(config, 'input')[0]!, 'dims')).toEqual([4]);
    const out = items(config, 'output')[0]!;
    expect(one(out, 'dims')).toEqual([1]);
    expect(one(one(out, 'reshape') as Message, 'shape')).toEqual([]);
  });

  it('refuses a missing format or folder', async () => {
    expect((await cli('export-serving', paths.conv!, '-o', dir)).err).toMatch(/--format must be triton or kserve/);
    expect((await cli('export-serving', paths.conv!, '--format', 'triton')).err).toMatch(/-o DIR is needed/);
  });
});
