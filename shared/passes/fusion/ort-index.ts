import type { Pass } from '../../rewrite/pass.js';
import { ortFuseAttention } from './ort-attention.js';
import { ortFuseBiasGelu } from './ort-bias-gelu.js';
import { ortFuseConvActivation } from './ort-conv-activation.js';
import { ortFuseGelu } from './ort-gelu.js';
import { ortFuseMatMulTranspose } from './ort-matmul-transpose.js';
import { ortFuseQuickGelu } from './ort-quick-gelu.js';
import { ortFuseSkipLayerNorm } from './ort-skip-layernorm.js';

/**
 * The fusions into onnxruntime's com.microsoft contrib ops, in the order they should run:
 * attention first (it consumes the MatMul·Transpose and scale that FusedMatMul would otherwise
 * take), Gelu before BiasGelu (which fuses the Gelu it makes). QuickGelu and FusedConv never
 * compete for a node: a Conv read by both halves of a SiLU is read twice, which FusedConv refuses.
 */
export const ORT_FUSIONS: readonly Pass[] = [ortFuseAttention, ortFuseSkipLayerNorm, ortFuseGelu, ortFuseBiasGelu, ortFuseMatMulTranspose, ortFuseQuickGelu, ortFuseConvActivation];
