// Entry point of the runtime host process (child_process.fork here; Electron's utilityProcess
// would load the same file). It owns every onnxruntime session: if native code crashes, runs out
// of memory or hangs, this process dies and the service that started it does not.

import { Socket } from 'node:net';
import { WorkbenchError } from '../../shared/errors.js';
import { HOST_FAULT_ENV, HOST_TEST_ENV, type FromHost, type HostRequest, type ToHost } from './host-protocol.js';
import { measure, RunFailure, type JobContext } from './host-measure.js';
import { probeProvider } from './host-session.js';
import { verifyModels } from '../runtime/verify.js';
import { calibrate } from '../runtime/calibrate.js';
import { collectActivations } from '../runtime/collect-activations.js';
import { decodeModel } from '../../shared/onnx/model-codec.js';
import { runSensitivity } from '../runtime/sensitivity-run.js';
import { describeModel, infer } from './host-infer.js';
import { DirectHost } from '../serving/direct-host.js';

interface Port {
  post(m: FromHost): void;
  /** `socket`: a client connection the model server handed over (forked Node only). */
  listen(fn: (m: ToHost, socket?: Socket) => void): void;
}

// An Electron utility process talks through process.parentPort; a forked Node child through process.send.
function port(): Port {
  const parent = (process as unknown as { parentPort?: { postMessage(m: unknown): void; on(e: 'message', fn: (e: { data: unknown }) => void): void } }).parentPort;
  if (parent) return { post: (m) => parent.postMessage(m), listen: (fn) => parent.on('message', (e) => fn(e.data as ToHost)) };
  if (!process.send) {
    process.stderr.write('runtime host: started without an IPC channel\n');
    process.exit(2);
  }
  // Orphaned (the service died): nothing left to serve.
  process.on('disconnect', () => process.exit(0));
  return { post: (m) => process.send!(m), listen: (fn) => process.on('message', (m, socket) => fn(m as ToHost, socket instanceof Socket ? socket : undefined)) };
}

const testing = process.env[HOST_TEST_ENV] === '1';
let pendingFault = testing ? process.env[HOST_FAULT_ENV] : undefined;

function sleepBlocking(ms: number): void {
  // Blocks the thread the way a stuck native call would: no event loop, no messages.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function injectFault(): void {
  const fault = pendingFault;
  pendingFault = undefined;
  if (fault === 'abort') process.abort();
  if (fault === 'hang') sleepBlocking(10 * 60_000);
  if (fault === 'oom') {
    // On the JS heap, so that the heap limit (--max-old-space-size) ends it quickly.
    const hold: number[][] = [];
    for (;;) hold.push(new Array<number>(1 << 20).fill(1.5));
  }
}

const cancelled = new Set<number>();

async function handle(p: Port, id: number, req: HostRequest): Promise<unknown> {
  const ctx: JobContext = {
    step: (step, model) => p.post({ type: 'step', id, step, ...(model ? { model } : {}) }),
    progress: (done, total, step, model) => p.post({ type: 'progress', id, done, total, step, ...(model ? { model } : {}) }),
    cancelled: () => cancelled.has(id),
    fault: injectFault,
  };
  switch (req.kind) {
    case 'probe':
      ctx.step(`starting the ${req.provider} provider`);
      return probeProvider(req.provider, req.deviceId);
    case 'measure':
      return measure(req.job, ctx);
    case 'describe':
      ctx.step('loading the model', req.model);
      return describeModel(req.model, req.session);
    case 'infer':
      ctx.fault();
      return infer(req.job);
    case 'verify':
      ctx.step('verifying outputs', req.job.transformed);
      return verifyModels(req.job.original, req.job.transformed, {
        tolerance: req.job.tolerance,
        ...(req.job.outputTolerances ? { outputTolerances: req.job.outputTolerances } : {}),
        ...(req.job.inputs ? { dims: req.job.inputs.dims, values: req.job.inputs.values } : {}),
        ...(req.job.inputs?.inputsPath !== undefined ? { inputsPath: req.job.inputs.inputsPath } : {}),
      });
    case 'calibrate': {
      ctx.step('calibrating');
      const j = req.job;
      const r = await calibrate(decodeModel(j.model, 'model to calibrate'), j.tensors, {
        method: j.method,
        dims: j.dims,
        ...(j.symmetric ? { symmetric: true } : {}),
        ...(j.inputsPath !== undefined ? { inputsPath: j.inputsPath } : {}),
        ...(j.images ? { images: j.images } : {}),
        ...(j.movingAverage ? { movingAverage: j.movingAverage } : {}),
        ...(j.samples !== undefined ? { samples: j.samples } : {}),
        cancelled: ctx.cancelled,
        onProgress: (done, total, step) => ctx.progress(done, total, step),
      });
      return { method: r.method, ranges: Object.fromEntries(r.ranges), samples: r.samples, generated: r.generated, ...(r.images ? { images: true } : {}) };
    }
    case 'sensitivity':
      ctx.step('measuring per-layer sensitivity');
      return runSensitivity(req.job.float, req.job.quant, {
        ...(req.job.inputs ? { inputs: req.job.inputs } : {}),
        cancelled: ctx.cancelled,
        onProgress: (done, total, step) => ctx.progress(done, total, step),
      });
    case 'collect': {
      ctx.step('collecting activations');
      const j = req.job;
      return collectActivations(
        j.models.map((m, i) => decodeModel(m, `model ${i + 1} to run`)),
        j.tensors,
        {
          split: j.split,
          dims: j.dims,
          ...(j.inputsPath !== undefined ? { inputsPath: j.inputsPath } : {}),
          ...(j.images ? { images: j.images } : {}),
          ...(j.samples !== undefined ? { samples: j.samples } : {}),
          cancelled: ctx.cancelled,
          onProgress: (done, total, step) => ctx.progress(done, total, step),
        },
      );
    }
    case 'test-abort':
    case 'test-sleep':
      if (!testing) throw new WorkbenchError('BAD_REQUEST', `host request '${req.kind}' is for tests only`);
      ctx.step(req.kind === 'test-abort' ? 'aborting on request' : 'sleeping on request');
      if (req.kind === 'test-abort') process.abort();
      sleepBlocking(req.ms);
      return { slept: req.ms };
  }
}

function main(): void {
  const p = port();
  const direct = new DirectHost((m) => p.post(m), injectFault);
  p.listen((m, socket) => {
    if (m.type === 'cancel') {
      cancelled.add(m.id);
      return;
    }
    if (m.type !== 'request') {
      direct.receive(m, socket);
      return;
    }
    const { id, request } = m;
    handle(p, id, request).then(
      (result) => p.post({ type: 'result', id, result }),
      (e: unknown) => {
        const user = e instanceof WorkbenchError;
        const code = e instanceof WorkbenchError || e instanceof RunFailure ? e.code : 'HOST_ERROR';
        p.post({ type: 'error', id, code, message: e instanceof Error ? e.message : String(e), user });
      },
    );
  });
  p.post({ type: 'ready' });
}

main();
