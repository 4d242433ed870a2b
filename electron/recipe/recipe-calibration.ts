// A recipe step's calibration as the quantize pipeline takes it (the CLI's runner and the app's
// recipe job alike): the method, samples or a folder, and the image preprocessing checked again.

import { checkImageSpec } from '../../shared/quantize/image-spec.js';
import type { CalibrationMethod } from '../../shared/quantize/range-collector.js';
import type { RecipeStep } from '../../shared/recipe/parse-recipe.js';
import type { QuantizeRequest } from '../quantize/quantize-model.js';

export function recipeCalibration(step: RecipeStep, dims: Record<string, number>): QuantizeRequest['calibration'] {
  const c = step.calibration;
  return {
    method: (c?.method ?? 'minmax') as CalibrationMethod,
    dims,
    ...(c?.inputsPath !== undefined ? { inputsPath: c.inputsPath } : {}),
    ...(c?.samples !== undefined ? { samples: c.samples } : {}),
    ...(c?.images !== undefined ? { images: checkImageSpec(c.images) } : {}),
  };
}
