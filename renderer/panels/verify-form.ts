import type { ModelSummary } from '../../shared/onnx/model-summary.js';
import type { VerifyInputSettings } from '../../shared/verify/input-settings.js';

// What the verification settings form asks for, derived from the model's inputs, and the form's
// text fields turned into settings (or a message naming the field that is not a number).

export interface VerifyFields {
  /** One field per symbolic dim (by name, once) and per unnamed non-fixed dim (`input[axis]`). */
  dims: string[];
  /** Inputs a single number can stand for: scalars and all-ones shapes (a sample rate, a step). */
  values: { name: string; elemType: string }[];
}

/** The fields for a model's inputs. */
export function verifyFields(summary: ModelSummary): VerifyFields {
  const dims = new Set<string>();
  const values: VerifyFields['values'] = [];
  for (const input of summary.inputs) {
    input.shape?.forEach((d, axis) => {
      if (typeof d === 'string') dims.add(d);
      else if (d === null) dims.add(`${input.name}[${axis}]`);
    });
    if (input.shape && input.shape.every((d) => d === 1)) values.push({ name: input.name, elemType: input.elemType });
  }
  return { dims: [...dims], values };
}

/** The form's state: text as typed, keyed like the settings. */
export interface VerifyForm {
  source: 'generated' | 'files';
  inputsPath: string;
  dims: Record<string, string>;
  values: Record<string, string>;
}

/** The form showing `settings`. */
export function formOf(settings: VerifyInputSettings): VerifyForm {
  const text = (r: Record<string, number>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, String(v)]));
  return { source: settings.inputsPath === undefined ? 'generated' : 'files', inputsPath: settings.inputsPath ?? '', dims: text(settings.dims), values: text(settings.values) };
}

/** The settings a form says, or the first problem (an empty field means "not set"). */
export function settingsOf(form: VerifyForm): { settings: VerifyInputSettings } | { problem: string } {
  if (form.source === 'files' && !form.inputsPath.trim()) return { problem: 'inputs: give the path of a .npy or .pb file, or of a folder of them' };
  const dims: Record<string, number> = {};
  for (const [k, text] of Object.entries(form.dims)) {
    if (!text.trim()) continue;
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n < 0) return { problem: `dim ${k}: "${text}" is not a size (a whole number, 0 or more)` };
    dims[k] = n;
  }
  const values: Record<string, number> = {};
  for (const [k, text] of Object.entries(form.values)) {
    if (!text.trim()) continue;
    const n = Number(text);
    if (!Number.isFinite(n)) return { problem: `value ${k}: "${text}" is not a number` };
    values[k] = n;
  }
  return { settings: { ...(form.source === 'files' ? { inputsPath: form.inputsPath.trim() } : {}), dims, values } };
}
