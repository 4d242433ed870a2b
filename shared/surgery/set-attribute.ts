import { attr, attrFloat, attrFloats, attrInts, attrStrings } from '../builder/attributes.js';
import { AttrType, type AttributeProto } from '../onnx/proto-types.js';
import type { SurgeryEdit } from './edit.js';
import { findNode } from './find-node.js';
import { INT_TEXT, listItems, parseFloatText } from './parse-values.js';
import { refuse, runEdit } from './run-edit.js';

export interface SetAttributeOptions {
  /** Id or name of the node. */
  readonly node: string;
  readonly attribute: string;
  /** The new value as text, read by the attribute's current type: `3`, `0.5`, `NCHW`, `[1,2]`. */
  readonly value: string;
}

const TYPE_NAMES: Record<number, string> = { [AttrType.INT]: 'int', [AttrType.FLOAT]: 'float', [AttrType.STRING]: 'string', [AttrType.INTS]: 'ints', [AttrType.FLOATS]: 'floats', [AttrType.STRINGS]: 'strings' };

/** The attribute's type; files from old exporters may leave `type` unset, so the filled field says. */
function typeOf(a: AttributeProto): number {
  if (a.type) return a.type;
  if (a.i !== undefined) return AttrType.INT;
  if (a.f !== undefined) return AttrType.FLOAT;
  if (a.s !== undefined) return AttrType.STRING;
  if (a.ints?.length) return AttrType.INTS;
  if (a.floats?.length) return AttrType.FLOATS;
  if (a.strings?.length) return AttrType.STRINGS;
  return AttrType.UNDEFINED;
}

/** The attribute `name` of type `type` holding `text`, or the reason the text does not fit. */
function parseValue(name: string, type: number, text: string): AttributeProto | string {
  try {
    return parseTyped(name, type, text);
  } catch (e) {
    // The builder's range checks (an int past int64).
    if (e instanceof RangeError) return e.message;
    throw e;
  }
}

function parseTyped(name: string, type: number, text: string): AttributeProto | string {
  switch (type) {
    case AttrType.INT:
      return INT_TEXT.test(text.trim()) ? attr(name, BigInt(text.trim())) : 'it is not a whole number';
    case AttrType.FLOAT: {
      const f = parseFloatText(text.trim());
      return f === undefined ? 'it is not a number' : attr(name, attrFloat(f));
    }
    case AttrType.STRING:
      return attr(name, text);
    case AttrType.INTS: {
      const items = listItems(text);
      return items.every((s) => INT_TEXT.test(s)) ? attr(name, attrInts(items.map((s) => BigInt(s)))) : 'it is not a list of whole numbers like [1,2]';
    }
    case AttrType.FLOATS: {
      const items = listItems(text).map(parseFloatText);
      return items.every((f) => f !== undefined) ? attr(name, attrFloats(items as number[])) : 'it is not a list of numbers like [0.5,1]';
    }
    case AttrType.STRINGS:
      return attr(name, attrStrings(listItems(text)));
    default:
      return 'attributes of this type (tensor, graph, ...) are not set from text';
  }
}

/**
 * Sets an existing attribute of a node, reading the text by the attribute's type (so a value of
 * another type is refused, never a silent type change). An attribute the node does not have is
 * refused too: its type would be a guess.
 */
export const setAttribute: SurgeryEdit<SetAttributeOptions> = {
  name: 'set-attribute',
  description: "changes a node's attribute, read by the attribute's type (int, float, string, ints, floats, strings)",
  group: 'surgery',
  options: [
    { name: 'node', type: 'node', description: 'id or name of the node' },
    { name: 'attribute', type: 'name', description: 'name of an attribute the node has' },
    { name: 'value', type: 'text', description: 'the new value: 3, 0.5, NCHW, [1,2]' },
  ],
  apply(model, options) {
    const { node, graph } = findNode(model, options.node);
    const label = `set ${node.label}.${options.attribute}`;
    const current = node.attribute(options.attribute);
    if (!current) {
      const have = node.attributes.map((a) => a.name).join(', ');
      refuse(label, `the node has no attribute "${options.attribute}"${have ? ` (it has: ${have})` : ''}`);
    }
    const type = typeOf(current);
    const parsed = parseValue(options.attribute, type, options.value);
    if (typeof parsed === 'string') refuse(label, `"${options.value}" does not fit the ${TYPE_NAMES[type] ?? 'current'} attribute: ${parsed}`);
    return runEdit(model, 'set-attribute', label, () => {
      graph.setAttribute(node, parsed);
      return `${node.label}.${options.attribute} = ${options.value.trim()}`;
    });
  },
};
