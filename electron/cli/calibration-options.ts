// The quantize command's calibration flags beyond --calibration/--method: image preprocessing
// (--resize … or --image-spec FILE.json, the flags winning) and MinMax's moving average.

import { readFile } from 'node:fs/promises';
import { WorkbenchError } from '../../shared/errors.js';
import { checkImageSpec, imageSpecFieldsOfText, parseNumberText, type ImagePreprocessSpec } from '../../shared/quantize/image-spec.js';
import { DEFAULT_AVERAGING_CONSTANT, type MovingAverageOptions } from '../../shared/quantize/range-collector.js';
import { fsError } from '../io/fs-errors.js';
import type { OptionKind } from './args.js';

/** The image preprocessing flags alone (prune's recovery calibrates on images too). */
export const IMAGE_OPTION_SPEC = {
  resize: 'string', crop: 'string', scale: 'string', mean: 'string', std: 'string', channels: 'string', layout: 'string', 'image-input': 'string', 'image-spec': 'string',
} as const satisfies Record<string, OptionKind>;

export const IMAGE_OPTIONS_USAGE = '[--resize N|WxH] [--crop N|WxH] [--scale X] [--mean R,G,B] [--std R,G,B] [--channels rgb|bgr] [--layout nchw|nhwc] [--image-input NAME] [--image-spec FILE.json]';

export const CALIBRATION_OPTION_SPEC = {
  ...IMAGE_OPTION_SPEC,
  'moving-average': 'flag', 'averaging-constant': 'string', 'calibration-stride': 'count',
} as const satisfies Record<string, OptionKind>;

export const CALIBRATION_FLAGS = Object.keys(CALIBRATION_OPTION_SPEC);

export const CALIBRATION_OPTIONS_USAGE =
  '[--resize N|WxH] [--crop N|WxH] [--scale X] [--mean R,G,B] [--std R,G,B] [--channels rgb|bgr] [--layout nchw|nhwc] [--image-input NAME] [--image-spec FILE.json] [--moving-average [--averaging-constant C] [--calibration-stride N]]';

const IMAGE_FLAGS = ['resize', 'crop', 'scale', 'mean', 'std', 'channels', 'layout', 'image-input', 'image-spec'] as const;

/** The image preprocessing spec the flags give, or undefined when none is given. */
export async function imageSpecFrom(o: Record<string, unknown>): Promise<ImagePreprocessSpec | undefined> {
  if (!IMAGE_FLAGS.some((k) => o[k] !== undefined)) return undefined;
  if (o.calibration === undefined) throw new WorkbenchError('USAGE', `--${IMAGE_FLAGS.find((k) => o[k] !== undefined)} says how calibration images are preprocessed; give --calibration DIR (a folder of PNG/JPEG images)`);
  let base: unknown = {};
  const file = o['image-spec'];
  if (typeof file === 'string') {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      return fsError(e, file, 'reading --image-spec');
    }
    try {
      base = JSON.parse(text);
    } catch (e) {
      throw new WorkbenchError('BAD_OPTION', `--image-spec ${file}: not JSON (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  const s = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
  const flags = imageSpecFieldsOfText({ resize: s('resize'), crop: s('crop'), scale: s('scale'), mean: s('mean'), std: s('std'), channels: s('channels'), layout: s('layout'), input: s('image-input') });
  return checkImageSpec(typeof base === 'object' && base !== null && !Array.isArray(base) ? { ...base, ...flags } : base);
}

/** The moving average the flags ask for, or undefined. */
export function movingAverageFrom(o: Record<string, unknown>, method: string): MovingAverageOptions | undefined {
  const on = o['moving-average'] === true;
  const c = o['averaging-constant'];
  const stride = o['calibration-stride'];
  if (!on) {
    if (c !== undefined || stride !== undefined) throw new WorkbenchError('USAGE', `--${c !== undefined ? 'averaging-constant' : 'calibration-stride'} applies to --moving-average`);
    return undefined;
  }
  if (method !== 'minmax') throw new WorkbenchError('USAGE', `--moving-average applies to --method minmax, not ${method}`);
  const constant = typeof c === 'string' ? parseNumberText('averaging-constant', c) : DEFAULT_AVERAGING_CONSTANT;
  if (!(constant > 0 && constant <= 1)) throw new WorkbenchError('BAD_OPTION', `--averaging-constant must be in (0, 1], not ${String(c)}`);
  return { averagingConstant: constant, ...(typeof stride === 'string' ? { stride: Number(stride) } : {}) };
}
