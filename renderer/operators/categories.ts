// Operator categories: what colors a node, so that convolutions, matrix products, activations and
// shape arithmetic can be told apart at a glance (and at zoom levels where no label is drawn).

/** A node's category in the graph view. */
export type OpCategory =
  | 'conv'
  | 'matmul'
  | 'activation'
  | 'normalization'
  | 'pooling'
  | 'shape'
  | 'elementwise'
  | 'reduction'
  | 'attention'
  | 'recurrent'
  | 'control'
  | 'quantization'
  | 'constant'
  | 'scope'
  | 'io'
  | 'other';

const GROUPS: Record<Exclude<OpCategory, 'scope' | 'io' | 'other'>, string[]> = {
  conv: ['Conv', 'ConvTranspose', 'DeformConv', 'NhwcConv', 'FusedConv', 'ConvInteger', 'QLinearConv'],
  matmul: ['MatMul', 'Gemm', 'Einsum', 'FusedMatMul', 'MatMulInteger', 'QLinearMatMul', 'MatMulNBits', 'MatMulIntegerToFloat', 'FusedGemm', 'GemmFastGelu'],
  activation: [
    'Relu', 'LeakyRelu', 'PRelu', 'Elu', 'Selu', 'Celu', 'Gelu', 'FastGelu', 'BiasGelu', 'QuickGelu', 'Sigmoid', 'HardSigmoid',
    'HardSwish', 'Tanh', 'Softmax', 'LogSoftmax', 'Softplus', 'Softsign', 'Mish', 'ThresholdedRelu', 'Swish', 'Hardmax', 'Clip',
  ],
  normalization: [
    'BatchNormalization', 'LayerNormalization', 'InstanceNormalization', 'GroupNormalization', 'LpNormalization',
    'MeanVarianceNormalization', 'SkipLayerNormalization', 'SimplifiedLayerNormalization', 'SkipSimplifiedLayerNormalization',
    'RMSNormalization', 'EmbedLayerNormalization', 'LRN', 'Dropout',
  ],
  pooling: ['MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'LpPool', 'GlobalLpPool', 'MaxRoiPool', 'RoiAlign', 'MaxUnpool'],
  shape: [
    'Reshape', 'Transpose', 'Squeeze', 'Unsqueeze', 'Flatten', 'Concat', 'Split', 'Slice', 'Gather', 'GatherElements', 'GatherND',
    'Scatter', 'ScatterElements', 'ScatterND', 'Shape', 'Size', 'Expand', 'Tile', 'Pad', 'Resize', 'Upsample', 'DepthToSpace',
    'SpaceToDepth', 'Identity', 'Cast', 'CastLike', 'Range', 'NonZero', 'Compress', 'OneHot', 'TopK', 'Trilu', 'SplitToSequence',
    'ConcatFromSequence', 'SequenceAt', 'SequenceConstruct', 'SequenceEmpty', 'SequenceInsert', 'SequenceLength', 'CenterCropPad',
    'ReverseSequence',
  ],
  elementwise: [
    'Add', 'Sub', 'Mul', 'Div', 'Pow', 'Sqrt', 'Exp', 'Log', 'Abs', 'Neg', 'Reciprocal', 'Floor', 'Ceil', 'Round', 'Sign', 'Erf',
    'Sin', 'Cos', 'Tan', 'Asin', 'Acos', 'Atan', 'Sinh', 'Cosh', 'Asinh', 'Acosh', 'Atanh', 'Min', 'Max', 'Mean', 'Sum', 'Mod',
    'Where', 'Equal', 'Greater', 'GreaterOrEqual', 'Less', 'LessOrEqual', 'Not', 'And', 'Or', 'Xor', 'IsNaN', 'IsInf',
    'BitShift', 'BitwiseAnd', 'BitwiseOr', 'BitwiseXor', 'BitwiseNot', 'BiasAdd',
  ],
  reduction: [
    'ReduceMean', 'ReduceSum', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceLogSum', 'ReduceLogSumExp',
    'ReduceSumSquare', 'ArgMax', 'ArgMin', 'CumSum',
  ],
  attention: ['Attention', 'MultiHeadAttention', 'GroupQueryAttention', 'PackedAttention', 'RotaryEmbedding', 'DecoderMaskedMultiHeadAttention'],
  recurrent: ['LSTM', 'GRU', 'RNN'],
  control: ['If', 'Loop', 'Scan'],
  quantization: [
    'QuantizeLinear', 'DequantizeLinear', 'DynamicQuantizeLinear', 'QLinearAdd', 'QLinearMul', 'QLinearSigmoid',
    'QLinearLeakyRelu', 'QLinearAveragePool', 'QLinearGlobalAveragePool', 'QLinearConcat', 'QLinearSoftmax', 'DynamicQuantizeMatMul',
  ],
  constant: ['Constant', 'ConstantOfShape', 'RandomNormal', 'RandomUniform', 'RandomNormalLike', 'RandomUniformLike', 'EyeLike'],
};

const CATEGORY_OF = new Map<string, OpCategory>();
for (const [category, ops] of Object.entries(GROUPS)) for (const op of ops) CATEGORY_OF.set(op, category as OpCategory);

/** The category of an operator (any domain; unknown ops are 'other'). */
export function opCategory(opType: string): OpCategory {
  return CATEGORY_OF.get(opType) ?? 'other';
}

/** Fill colors per category (light backgrounds that keep black labels readable). */
export const CATEGORY_COLORS: Readonly<Record<OpCategory, string>> = {
  conv: '#8fb8de',
  matmul: '#7fb3a6',
  activation: '#f2a679',
  normalization: '#c5a3d9',
  pooling: '#a9c6e8',
  shape: '#d9d9d9',
  elementwise: '#f3d98b',
  reduction: '#e8c07d',
  attention: '#6fb8c9',
  recurrent: '#b3a3e0',
  control: '#f08c8c',
  quantization: '#9fd88b',
  constant: '#ececec',
  scope: '#e4ebf6',
  io: '#4a6fa5',
  other: '#cfc7bd',
};

/** Human names of the categories, for the legend. */
export const CATEGORY_NAMES: Readonly<Record<OpCategory, string>> = {
  conv: 'convolution',
  matmul: 'matrix product',
  activation: 'activation',
  normalization: 'normalization',
  pooling: 'pooling',
  shape: 'shape and data movement',
  elementwise: 'elementwise',
  reduction: 'reduction',
  attention: 'attention',
  recurrent: 'recurrent',
  control: 'control flow',
  quantization: 'quantization',
  constant: 'constant',
  scope: 'collapsed scope',
  io: 'graph input / output',
  other: 'other',
};
