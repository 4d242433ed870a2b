// ONNX's textual syntax (onnx.printer / onnx.parser): print a model, graph, function or node
// selection with a line map; parse text back into protos with positioned errors.
export { printFunction, printGraph, printModel, printNodeProtos, printNodes, DEFAULT_MAX_INLINE_ELEMENTS, type PrintOptions } from './printer.js';
export { parseFunction, parseGraph, parseModel, parseModelOrThrow, parseNodes, tensorsByDigest, type ParseOptions, type ParseResult } from './parser.js';
export { PrintedText, type SpanKind, type TextSpan } from './text-map.js';
export type { TextError } from './parse-cursor.js';
export type { TensorLookup } from './parse-values.js';
export { tensorDigest } from './tensor-digest.js';
export { parseModelIr } from './parse-ir.js';
