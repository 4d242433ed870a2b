import type { AppProfileOptions } from '../../shared/protocol/profile-api.js';

// How profiles and comparisons run: the CLI's options (provider, runs, warm-up, threads,
// onnxruntime's optimization level, where the inputs come from).

interface Props {
  options: AppProfileOptions;
  disabled: boolean;
  onChange(change: Partial<AppProfileOptions>): void;
}

const count = (text: string, min: number): number => Math.max(min, Math.floor(Number(text) || 0));

export function ProfileSettings({ options, disabled, onChange }: Props) {
  return (
    <fieldset className="profile-settings" disabled={disabled}>
      <label>
        Provider
        <select aria-label="provider" value={options.provider} onChange={(e) => onChange({ provider: e.target.value as AppProfileOptions['provider'] })}>
          <option value="cpu">CPU</option>
          <option value="cuda">CUDA</option>
          <option value="tensorrt">TensorRT</option>
        </select>
      </label>
      {options.provider !== 'cpu' ? (
        <label className="check">
          <input type="checkbox" aria-label="fall back to CPU" checked={options.allowFallback === true} onChange={(e) => onChange({ allowFallback: e.target.checked })} />
          fall back to CPU
        </label>
      ) : null}
      <label>
        Runs
        <input aria-label="runs" type="number" min={1} value={options.runs} onChange={(e) => onChange({ runs: count(e.target.value, 1) })} />
      </label>
      <label>
        Warm-up
        <input aria-label="warm-up runs" type="number" min={0} value={options.warmup} onChange={(e) => onChange({ warmup: count(e.target.value, 0) })} />
      </label>
      <label>
        Threads
        <input
          aria-label="threads"
          type="number"
          min={0}
          placeholder="default"
          value={options.threads ?? ''}
          onChange={(e) => onChange({ threads: e.target.value === '' || Number(e.target.value) < 1 ? null : count(e.target.value, 1) })}
        />
      </label>
      <label>
        Optimization
        <select aria-label="optimization level" value={options.optimization} onChange={(e) => onChange({ optimization: e.target.value as AppProfileOptions['optimization'] })}>
          <option value="disabled">disabled (one kernel per node)</option>
          <option value="basic">basic</option>
          <option value="extended">extended</option>
          <option value="all">all</option>
        </select>
      </label>
      <label>
        Inputs
        <select aria-label="input source" value={options.inputs} onChange={(e) => onChange({ inputs: e.target.value as AppProfileOptions['inputs'] })}>
          <option value="settings">verification inputs</option>
          <option value="generated">generated (random)</option>
        </select>
      </label>
    </fieldset>
  );
}
