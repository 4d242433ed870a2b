import { stringTensor, tensor } from '../builder/tensors.js';
import { WorkbenchError } from '../errors.js';
import { ElemType, elemTypeName, isFloatType, isIntegerType } from '../onnx/element-types.js';
import { elementCount } from '../onnx/model-summary.js';
import type { TensorProto } from '../onnx/proto-types.js';
import type { SurgeryEdit } from './edit.js';
import { graphDefining } from './find-node.js';
import { INT_TEXT, listItems, parseFloatText } from './parse-values.js';
import { refuse, runEdit } from './run-edit.js';

export interface SetInitializerOptions {
  /** The initializer's name. */
  readonly initializer: string;
  /** Its new values as text: `[1, 2, 3]` (row-major, as many as it has), or one value for a scalar. */
  readonly values: string;
}

/** Largest initializer (in elements) edited from text: a weight is not typed in by hand. */
export const SMALL_INITIALIZER = 4096;

/** The values of `text` for a tensor of `type`, or the reason they do not fit. */
function parseValues(type: number, items: readonly string[]): (number | bigint | boolean)[] | string {
  if (type === ElemType.BOOL) {
    const bad = items.find((s) => !/^(true|false|0|1)$/i.test(s));
    return bad === undefined ? items.map((s) => /^(true|1)$/i.test(s)) : `"${bad}" is not true, false, 0 or 1`;
  }
  if (isIntegerType(type)) {
    const bad = items.find((s) => !INT_TEXT.test(s));
    return bad === undefined ? items.map((s) => BigInt(s)) : `"${bad}" is not a whole number`;
  }
  if (isFloatType(type)) {
    const values = items.map(parseFloatText);
    const bad = values.findIndex((v) => v === undefined);
    return bad < 0 ? (values as number[]) : `"${items[bad]}" is not a number`;
  }
  return `${elemTypeName(type)} initializers are not edited from text`;
}

// The new tensor keeps the old one's name, type, dims and other fields (doc string, metadata);
// only the data changes, written as raw_data.
function withData(old: TensorProto, fresh: TensorProto): TensorProto {
  const { floatData: _f, int32Data: _i, stringData: _s, int64Data: _l, doubleData: _d, uint64Data: _u, rawData: _r, ...rest } = old;
  return fresh.stringData ? { ...rest, stringData: fresh.stringData } : { ...rest, rawData: fresh.rawData! };
}

/**
 * Replaces the values of a small initializer (at most SMALL_INITIALIZER elements: a scale, a
 * shape, a threshold), keeping its name, element type and shape. The text must give exactly as
 * many values as the tensor holds, each fitting the element type.
 */
export const setInitializer: SurgeryEdit<SetInitializerOptions> = {
  name: 'set-initializer',
  description: 'replaces the values of a small initializer (same type and shape), read from text like [1, 2, 3]',
  group: 'surgery',
  options: [
    { name: 'initializer', type: 'value', description: 'name of the initializer' },
    { name: 'values', type: 'text', description: `its new values, row-major: [1, 2, 3] (at most ${SMALL_INITIALIZER})` },
  ],
  apply(model, options) {
    const name = options.initializer;
    const label = `set initializer "${name}"`;
    const g = graphDefining(model, name);
    const old = g?.initializers.get(name);
    if (!g || !old) refuse(label, `no initializer named "${name}"`);
    if (old.dataLocation === 1) refuse(label, 'its data is in an external file');
    const type = old.dataType ?? 0;
    const dims = (old.dims ?? []).map(Number);
    const count = elementCount(old);
    if (count > SMALL_INITIALIZER) refuse(label, `it has ${count} elements; only initializers of up to ${SMALL_INITIALIZER} are edited from text`);
    const items = listItems(options.values);
    if (items.length !== count) refuse(label, `it holds ${count} value(s) (shape [${dims.join(',')}]), and ${items.length} were given`);
    let fresh: TensorProto;
    if (type === ElemType.STRING) fresh = stringTensor(name, dims, items);
    else {
      const values = parseValues(type, items);
      if (typeof values === 'string') refuse(label, `${values} (it is ${elemTypeName(type)})`);
      try {
        fresh = tensor(name, type, dims, values);
      } catch (e) {
        // Out of the element type's range.
        if (e instanceof WorkbenchError) refuse(label, e.message);
        throw e;
      }
    }
    return runEdit(model, 'set-initializer', label, () => {
      g.addInitializer(withData(old, fresh));
      return `initializer "${name}" (${elemTypeName(type)}[${dims.join(',')}]) = [${items.join(', ')}]`;
    });
  },
};
