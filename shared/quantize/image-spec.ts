import { WorkbenchError } from '../errors.js';

/**
 * How calibration images become an input tensor (the CLI's --resize … flags, or the same as JSON
 * from the service). Steps in order: decode to RGB 0–255, resize (bilinear), centre crop,
 * × scale, (x − mean[c]) / std[c], channel order, layout.
 */
export interface ImagePreprocessSpec {
  /** A number: the shorter side to this, aspect kept (torchvision's Resize(n)); [w, h]: exactly w×h. Absent with no crop: the input's fixed H×W. */
  resize?: number | [number, number];
  /** Centre crop to n×n or [w, h] after resizing. */
  crop?: number | [number, number];
  /** Multiplies each 0–255 value first; 1/255 when absent. */
  scale?: number;
  /** Per channel (R, G, B), subtracted after scaling; 0 when absent. */
  mean?: [number, number, number];
  /** Per channel (R, G, B), divided by after the mean; 1 when absent. */
  std?: [number, number, number];
  /** Channel order in the tensor; rgb when absent. */
  channels?: 'rgb' | 'bgr';
  /** nchw (default) or nhwc. */
  layout?: 'nchw' | 'nhwc';
  /** The input the images feed; absent: the model's one 4-D float input. */
  input?: string;
}

export const IMAGE_SPEC_KEYS = ['resize', 'crop', 'scale', 'mean', 'std', 'channels', 'layout', 'input'] as const;

const bad = (message: string): never => {
  throw new WorkbenchError('BAD_OPTION', `image preprocessing: ${message}`);
};

const badFlag = (message: string): never => {
  throw new WorkbenchError('BAD_OPTION', message);
};

const positiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

function size(key: string, v: unknown): number | [number, number] {
  if (positiveInt(v)) return v;
  if (Array.isArray(v) && v.length === 2 && v.every(positiveInt)) return [v[0], v[1]];
  return bad(`${key} must be a positive integer or [width, height], not ${JSON.stringify(v)}`);
}

function triple(key: string, v: unknown, nonZero: boolean): [number, number, number] {
  if (Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number' && Number.isFinite(x) && (!nonZero || x !== 0))) return [v[0], v[1], v[2]];
  return bad(`${key} must be three ${nonZero ? 'non-zero ' : ''}numbers (R, G, B), not ${JSON.stringify(v)}`);
}

/** Checks a spec from JSON (the service's form); unknown keys and bad values are one-line errors. */
export function checkImageSpec(raw: unknown): ImagePreprocessSpec {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad('the spec must be an object');
  const o = raw as Record<string, unknown>;
  const stray = Object.keys(o).find((k) => !(IMAGE_SPEC_KEYS as readonly string[]).includes(k));
  if (stray) bad(`unknown key "${stray}" (known: ${IMAGE_SPEC_KEYS.join(', ')})`);
  const spec: ImagePreprocessSpec = {};
  if (o.resize !== undefined) spec.resize = size('resize', o.resize);
  if (o.crop !== undefined) spec.crop = size('crop', o.crop);
  if (o.scale !== undefined) {
    if (typeof o.scale !== 'number' || !Number.isFinite(o.scale) || o.scale === 0) bad(`scale must be a non-zero number, not ${JSON.stringify(o.scale)}`);
    spec.scale = o.scale as number;
  }
  if (o.mean !== undefined) spec.mean = triple('mean', o.mean, false);
  if (o.std !== undefined) spec.std = triple('std', o.std, true);
  if (o.channels !== undefined) {
    if (o.channels !== 'rgb' && o.channels !== 'bgr') bad(`channels must be rgb or bgr, not ${JSON.stringify(o.channels)}`);
    spec.channels = o.channels as 'rgb' | 'bgr';
  }
  if (o.layout !== undefined) {
    if (o.layout !== 'nchw' && o.layout !== 'nhwc') bad(`layout must be nchw or nhwc, not ${JSON.stringify(o.layout)}`);
    spec.layout = o.layout as 'nchw' | 'nhwc';
  }
  if (o.input !== undefined) {
    if (typeof o.input !== 'string' || !o.input) bad('input must be an input name');
    spec.input = o.input as string;
  }
  return spec;
}

/** Flag text → spec value: "256" or "224x224" (width × height). */
export function parseSizeText(flag: string, text: string): number | [number, number] {
  const m = /^(\d+)(?:x(\d+))?$/i.exec(text.trim());
  if (!m) return badFlag(`--${flag} must be N or WxH, not "${text}"`);
  return m[2] === undefined ? Number(m[1]) : [Number(m[1]), Number(m[2])];
}

/** Flag text → number; "1/255" is allowed (a scale is often written so). */
export function parseNumberText(flag: string, text: string): number {
  const m = /^\s*([^/]+?)\s*(?:\/\s*([^/]+?)\s*)?$/.exec(text);
  const v = m ? Number(m[1]) / (m[2] === undefined ? 1 : Number(m[2])) : NaN;
  if (!Number.isFinite(v)) badFlag(`--${flag} must be a number (or a/b), not "${text}"`);
  return v;
}

/** Flag text → three numbers "0.485,0.456,0.406". */
export function parseTripleText(flag: string, text: string): number[] {
  const parts = text.split(',').map((s) => Number(s.trim()));
  if (parts.length !== 3 || parts.some((x) => !Number.isFinite(x))) badFlag(`--${flag} must be three numbers R,G,B, not "${text}"`);
  return parts;
}

/** The preprocessing steps as the CLI's flags write them (text, "" or absent: not given). */
export type ImageSpecText = Partial<Record<'resize' | 'crop' | 'scale' | 'mean' | 'std' | 'channels' | 'layout' | 'input', string>>;

/** The spec fields that `text` gives (unchecked: checkImageSpec checks them); flag names in errors. */
export function imageSpecFieldsOfText(text: ImageSpecText): Record<string, unknown> {
  const given = (k: keyof ImageSpecText) => (text[k] !== undefined && text[k].trim() !== '' ? text[k].trim() : undefined);
  const o: Record<string, unknown> = {};
  const resize = given('resize');
  if (resize !== undefined) o.resize = parseSizeText('resize', resize);
  const crop = given('crop');
  if (crop !== undefined) o.crop = parseSizeText('crop', crop);
  const scale = given('scale');
  if (scale !== undefined) o.scale = parseNumberText('scale', scale);
  const mean = given('mean');
  if (mean !== undefined) o.mean = parseTripleText('mean', mean);
  const std = given('std');
  if (std !== undefined) o.std = parseTripleText('std', std);
  for (const k of ['channels', 'layout', 'input'] as const) {
    const v = given(k);
    if (v !== undefined) o[k] = v;
  }
  return o;
}
