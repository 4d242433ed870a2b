import { useCallback, useEffect, useState } from 'react';
import type { Backend, OpenedModelInfo } from '../../shared/protocol/backend.js';
import type { QuantizeResult } from '../../shared/protocol/quantize-api.js';
import { DEFAULT_QUANTIZE_SETTINGS, QUANTIZE_MODES, type QuantizeSettings } from '../../shared/quantize/quantize-settings.js';
import { TOLERANCE_NAMES } from '../../shared/verify/tolerance.js';
import { ImageStepsFields } from './ImageStepsFields.js';
import type { EditActions } from '../edit/edit-actions.js';
import { JobProgress } from '../profile/JobProgress.js';
import { useJob } from '../profile/use-job.js';
import { Choice } from '../panels/Choice.js';
import { CountInput, GeneratedSamples } from '../panels/CountInput.js';

// Quantize, for the selection or the whole model, with the CLI's options: a job in the service
// (preprocessing, calibration in the runtime host, one history step, then the latency and the
// outputs measured before and after). The settings used last come back for the next model.

const words = (text: string) => text.split(',').map((s) => s.trim()).filter(Boolean);

interface Props {
  backend: Backend;
  model: OpenedModelInfo;
  selection: ReadonlySet<number>;
  version: number | undefined;
  edit: EditActions;
}

export function QuantizePanel({ backend, model, selection, version, edit }: Props) {
  const [s, setS] = useState<QuantizeSettings>(DEFAULT_QUANTIZE_SETTINGS);
  const [ops, setOps] = useState('');
  const [exclude, setExclude] = useState('');
  const [open, setOpen] = useState(false);
  const fetch = useCallback((jobId: string) => backend.getQuantize(jobId).then((r: QuantizeResult) => ({ job: r.job, report: r.edit })), [backend]);
  const job = useJob(backend, fetch);

  useEffect(() => {
    let live = true;
    backend.getQuantizeSettings().then(
      (remembered) => {
        if (!live) return;
        setS(remembered);
        setOps(remembered.ops.join(', '));
        setExclude('');
      },
      () => undefined,
    );
    return () => void (live = false);
  }, [backend, model.modelId]);

  const set = (change: Partial<QuantizeSettings>) => setS((x) => ({ ...x, ...change }));
  const isStatic = s.mode === 'static';
  const ids = selection.size ? [...selection].sort((a, b) => a - b) : undefined;
  const run = async () => {
    const settings = { ...s, ops: words(ops), exclude: words(exclude) };
    const result = await job.run(() => backend.startQuantize({ modelId: model.modelId, settings, ...(ids ? { selection: ids } : {}), ...(version !== undefined ? { version } : {}) }));
    if (result) await edit.showEdit(result);
  };

  return (
    <section className="panel quantize" aria-label="quantize">
      <h2>
        <button type="button" className="panel-toggle" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
          {open ? '▾' : '▸'} Quantize
        </button>
      </h2>
      {open ? (
        <form
          className="quantize-form"
          onSubmit={(e) => {
            e.preventDefault();
            void run();
          }}
        >
          <p className="muted">{`For ${ids ? `${ids.length} selected node${ids.length === 1 ? '' : 's'}` : 'the whole model'}`}</p>
          <Choice text="mode" label="quantize mode" value={s.mode} options={QUANTIZE_MODES.map((m) => [m, m] as const)} onChange={(mode) => set({ mode })} />
          {isStatic ? (
            <>
              <Choice text="method" label="calibration method" value={s.method} options={[['minmax', 'minmax'], ['percentile', 'percentile'], ['entropy', 'entropy']]} onChange={(method) => set({ method })} />
              <Choice text="activations" label="activation type" value={s.activationType} options={[['uint8', 'uint8'], ['int8', 'int8']]} onChange={(activationType) => set({ activationType })} />
              <label>
                <input type="checkbox" checked={s.symmetric} onChange={(e) => set({ symmetric: e.target.checked })} /> symmetric
              </label>
              <label>
                <input type="checkbox" checked={s.reduceRange} onChange={(e) => set({ reduceRange: e.target.checked })} /> reduce range
              </label>
            </>
          ) : null}
          {isStatic || s.mode === 'dynamic' ? (
            <label>
              <input type="checkbox" checked={s.perChannel} onChange={(e) => set({ perChannel: e.target.checked })} /> per-channel
            </label>
          ) : null}
          {s.mode === 'dynamic' ? (
            <Choice
              text="target"
              label="quantize target"
              title="portable: DynamicQuantizeLinear → MatMulInteger (standard ops); onnxruntime: one com.microsoft DynamicQuantizeMatMul each"
              value={s.target}
              options={[['portable', 'portable'], ['onnxruntime', 'onnxruntime']]}
              onChange={(target) => set({ target })}
            />
          ) : null}
          {s.mode === 'fp16' || s.mode === 'bf16' ? (
            <>
              <label title="keep in float32, found by bisection over runs of the model, the nodes without which outputs leave the tolerance">
                <input type="checkbox" aria-label="auto mixed precision" checked={s.mixedPrecision} onChange={(e) => set({ mixedPrecision: e.target.checked })} /> auto mixed precision
              </label>
              {s.mixedPrecision ? (
                <label>
                  tolerance{' '}
                  <select aria-label="mixed precision tolerance" value={s.tolerance} onChange={(e) => set({ tolerance: e.target.value })}>
                    <option value="">{`${s.mode} (the mode's)`}</option>
                    {TOLERANCE_NAMES.map((t) => (
                      <option key={t} value={t}>
                        {t}
                      </option>
                    ))}
                  </select>
                </label>
              ) : null}
            </>
          ) : null}
          <label>
            ops <input type="text" aria-label="quantize ops" placeholder="default set (e.g. Conv, MatMul)" value={ops} onChange={(e) => setOps(e.target.value)} />
          </label>
          <label>
            exclude <input type="text" aria-label="quantize exclude" placeholder="node names left in float" value={exclude} onChange={(e) => setExclude(e.target.value)} />
          </label>
          {s.mode !== 'int4' ? (
            <label>
              <input type="checkbox" checked={s.preprocess} onChange={(e) => set({ preprocess: e.target.checked })} /> cleanups and fusions first
            </label>
          ) : null}
          {isStatic ? (
            <fieldset>
              <legend className="muted">Calibration samples</legend>
              <label>
                <input type="radio" name="calibration" checked={s.calibration === 'settings'} onChange={() => set({ calibration: 'settings' })} /> the verification inputs
              </label>
              <label>
                <input type="radio" name="calibration" aria-label="folder calibration" checked={s.calibration === 'folder'} onChange={() => set({ calibration: 'folder' })} /> a folder of sample folders or images
              </label>
              {s.calibration === 'folder' ? (
                <>
                  <input type="text" aria-label="calibration folder" placeholder="/path/to/samples or images" value={s.calibrationPath} onChange={(e) => set({ calibrationPath: e.target.value })} />
                  <ImageStepsFields steps={s.images} onChange={(images) => set({ images })} />
                </>
              ) : null}
              <label>
                <input type="radio" name="calibration" aria-label="generated calibration" checked={s.calibration === 'generated'} onChange={() => set({ calibration: 'generated' })} /> generated
              </label>
              {s.calibration === 'generated' ? (
                <GeneratedSamples label="calibration samples" value={s.samples} onChange={(samples) => set({ samples })} warning="Random inputs give poor ranges: calibrate on real samples for a model you keep." />
              ) : null}
            </fieldset>
          ) : null}
          <label>
            timed runs <CountInput label="latency runs" value={s.runs} onChange={(runs) => set({ runs })} />
          </label>
          <div className="op-buttons">
            <button type="submit" disabled={job.running}>
              Quantize
            </button>
          </div>
        </form>
      ) : null}
      <JobProgress view={job} label="quantize" />
    </section>
  );
}
