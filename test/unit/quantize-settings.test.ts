import { describe, expect, it } from 'vitest';
import { imageSpecFieldsOfText, checkImageSpec } from '../../shared/quantize/image-spec.js';
import { DEFAULT_QUANTIZE_SETTINGS, imageStepsGiven, NO_IMAGE_STEPS, operationOptionsOf } from '../../shared/quantize/quantize-settings.js';

describe('the quantize settings (the app form and the CLI flags) as operation options', () => {
  it('dynamic takes the target (portable is the default, left out); fp16/bf16 take mixed precision and its tolerance only when on', () => {
    const s = DEFAULT_QUANTIZE_SETTINGS;
    expect(operationOptionsOf({ ...s, mode: 'dynamic', target: 'onnxruntime' })).toEqual({ perChannel: false, target: 'onnxruntime' });
    expect(operationOptionsOf({ ...s, mode: 'dynamic', target: 'portable' })).toEqual({ perChannel: false });
    expect(operationOptionsOf({ ...s, mode: 'fp16', mixedPrecision: true, tolerance: 'bf16' })).toEqual({ mixedPrecision: true, mixedPrecisionTolerance: 'bf16' });
    expect(operationOptionsOf({ ...s, mode: 'bf16', mixedPrecision: true, tolerance: '' })).toEqual({ mixedPrecision: true });
    expect(operationOptionsOf({ ...s, mode: 'fp16', mixedPrecision: false, tolerance: 'bf16' })).toEqual({});
    // Not for the int8 modes.
    expect(operationOptionsOf({ ...s, mode: 'static', mixedPrecision: true, target: 'onnxruntime' })).not.toHaveProperty('mixedPrecision');
  });

  it('image steps as the flags write them: empty fields are not given; sizes, a/b numbers and triples parsed; errors name the flag', () => {
    expect(imageStepsGiven(NO_IMAGE_STEPS)).toBeUndefined();
    expect(imageStepsGiven({ ...NO_IMAGE_STEPS, layout: 'nhwc' })).toBeDefined();
    const fields = imageSpecFieldsOfText({ ...NO_IMAGE_STEPS, resize: '256', crop: '224x200', scale: '1/255', mean: '0.5, 0.5,0.5', channels: 'bgr', layout: ' ' });
    expect(checkImageSpec(fields)).toEqual({ resize: 256, crop: [224, 200], scale: 1 / 255, mean: [0.5, 0.5, 0.5], channels: 'bgr' });
    expect(() => imageSpecFieldsOfText({ std: '1,2' })).toThrow('--std must be three numbers R,G,B, not "1,2"');
    expect(() => checkImageSpec(imageSpecFieldsOfText({ channels: 'rbg' }))).toThrow(/channels must be rgb or bgr/);
  });
});
