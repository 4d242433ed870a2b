import type { Pass } from '../../rewrite/pass.js';
import { fuseConvAdd } from './conv-add.js';
import { fuseConvBatchNorm } from './conv-batchnorm.js';
import { fuseConvMul } from './conv-mul.js';
import { fuseConvTransposeBatchNorm } from './convtranspose-batchnorm.js';
import { fuseGelu } from './gelu.js';
import { fuseGemmBatchNorm } from './gemm-batchnorm.js';
import { fuseLayerNorm } from './layernorm.js';
import { fuseMatMulAddGemm } from './matmul-add-gemm.js';
import { fuseMatMulScale } from './matmul-scale.js';
import { fusePadConv } from './pad-conv.js';
import { fuseTransposeGemm } from './transpose-gemm.js';

/**
 * The fusions that emit standard ONNX only, in an order where one enables the next: Pad into
 * Conv first, then what follows a Conv (BatchNormalization, Mul, Add; a BatchNormalization
 * exported as Mul + Add folds in two steps), then a scale after MatMul (+ bias) into its weights,
 * then MatMul + Add into Gemm before what Gemm absorbs.
 */
export const PORTABLE_FUSIONS: readonly Pass[] = [
  fusePadConv,
  fuseConvBatchNorm,
  fuseConvTransposeBatchNorm,
  fuseConvMul,
  fuseConvAdd,
  fuseMatMulScale,
  fuseMatMulAddGemm,
  fuseTransposeGemm,
  fuseGemmBatchNorm,
  fuseLayerNorm,
  fuseGelu,
];
