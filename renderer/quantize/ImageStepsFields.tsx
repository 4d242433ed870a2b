import type { ImageSpecText } from '../../shared/quantize/image-spec.js';
import { Choice } from '../panels/Choice.js';

// How calibration images become the model's input, as the CLI's --resize/--crop/--scale/--mean/
// --std/--channels/--layout/--image-input write them (text, checked by the service; empty: not given).

type Steps = Required<ImageSpecText>;

const TEXT_FIELDS: { key: keyof Steps; label: string; placeholder: string }[] = [
  { key: 'resize', label: 'resize', placeholder: 'N (shorter side) or WxH' },
  { key: 'crop', label: 'crop', placeholder: 'N or WxH (centre)' },
  { key: 'scale', label: 'scale', placeholder: '1/255' },
  { key: 'mean', label: 'mean', placeholder: 'R,G,B' },
  { key: 'std', label: 'std', placeholder: 'R,G,B' },
  { key: 'input', label: 'input', placeholder: "the model's 4-D float input" },
];

export function ImageStepsFields({ steps, onChange }: { steps: Steps; onChange: (steps: Steps) => void }) {
  const set = (key: keyof Steps, value: string) => onChange({ ...steps, [key]: value });
  return (
    <fieldset className="image-steps">
      <legend className="muted">For a folder of PNG/JPEG images</legend>
      {TEXT_FIELDS.map((f) => (
        <label key={f.key}>
          {f.label} <input type="text" aria-label={`image ${f.label}`} placeholder={f.placeholder} value={steps[f.key]} onChange={(e) => set(f.key, e.target.value)} />
        </label>
      ))}
      <Choice text="channels" label="image channels" value={steps.channels} options={[['', 'rgb (default)'], ['rgb', 'rgb'], ['bgr', 'bgr']]} onChange={(v) => set('channels', v)} />
      <Choice text="layout" label="image layout" value={steps.layout} options={[['', 'nchw (default)'], ['nchw', 'nchw'], ['nhwc', 'nhwc']]} onChange={(v) => set('layout', v)} />
    </fieldset>
  );
}
