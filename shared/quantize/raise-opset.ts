// Raising a model's default-domain opset import to what inserted quantization ops need
// (QuantizeLinear 10, DynamicQuantizeLinear 11), as onnxruntime's quantizer does, but only where
// every node keeps its meaning: ops whose new version merely adds types or attributes with
// defaults stay as they are, Slice (1 → 10) and Clip (6 → 11) get their attributes as constant
// inputs, and any other change refuses the model naming the op and node.

import { tensor } from '../builder/index.js';
import { WorkbenchError } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import type { IrModel } from '../ir/model.js';
import type { IrNode } from '../ir/node.js';
import { ElemType } from '../onnx/element-types.js';
import { opChangesBetween, RAISE_FROM_OPSET, RAISE_TO_OPSET } from '../onnx/op-versions.js';
import { inferShapes, type ShapeInference } from '../shape/index.js';

/** What raising did: the opsets and the nodes rewritten. */
export interface RaisedOpset {
  from: number;
  to: number;
  converted: number;
}

function* allGraphs(g: Graph): Generator<Graph> {
  yield g;
  for (const n of g.nodes) for (const s of n.subgraphs) yield* allGraphs(s.graph);
}

const label = (n: IrNode) => (n.name ? `'${n.name}'` : `#${n.id}`);

// Why a node would not keep its meaning, if so.
function blocker(g: Graph, n: IrNode, from: number, to: number): string | undefined {
  for (const { version, change } of opChangesBetween(n.opType, from, to)) {
    if (change === 'changed') return `${n.opType} (node ${label(n)}) changed in opset ${version}`;
    const spatial = n.attribute('spatial');
    if (n.opType === 'BatchNormalization' && version === 9 && spatial && Number(spatial.i ?? 1) !== 1) return `BatchNormalization (node ${label(n)}) has spatial=0, which opset 9 dropped`;
    const mask = n.outputs[1];
    if (n.opType === 'Dropout' && version === 10 && mask && (g.consumers(mask).size > 0 || g.isGraphOutput(mask))) return `Dropout (node ${label(n)}) has its mask used, which opset 10 made bool`;
  }
  return undefined;
}

const ints = (n: IrNode, name: string) => n.attribute(name)?.ints?.map(Number);

function fresh(g: Graph, taken: Set<string>, base: string): string {
  let name = base;
  for (let i = 1; taken.has(name) || g.defines(name); i++) name = `${base}_${i}`;
  taken.add(name);
  return name;
}

// Slice-1 (starts, ends, axes attributes) as Slice-10 (the same as int64 inputs).
function convertSlice(g: Graph, n: IrNode, taken: Set<string>): void {
  const lists = [ints(n, 'starts') ?? [], ints(n, 'ends') ?? [], ints(n, 'axes')];
  const inputs = [n.inputs[0]!];
  lists.forEach((values, k) => {
    if (!values) return;
    const name = fresh(g, taken, `${n.name || n.opType}_${['starts', 'ends', 'axes'][k]}`);
    g.addInitializer(tensor(name, ElemType.INT64, [values.length], values));
    inputs.push(name);
  });
  for (const a of ['starts', 'ends', 'axes']) if (n.attribute(a)) g.removeAttribute(n, a);
  g.setInputs(n, inputs);
}

// Clip-6 (min, max attributes) as Clip-11 (scalar inputs of the input's type; absent stays unbounded).
function convertClip(g: Graph, n: IrNode, taken: Set<string>, elemType: number): void {
  const min = n.attribute('min');
  const max = n.attribute('max');
  const bound = (a: typeof min, which: string) => {
    if (!a) return '';
    const name = fresh(g, taken, `${n.name || n.opType}_${which}`);
    g.addInitializer(tensor(name, elemType, [], [Number(a.f ?? 0)]));
    return name;
  };
  const inputs = [n.inputs[0]!, bound(min, 'min'), bound(max, 'max')];
  while (inputs[inputs.length - 1] === '') inputs.pop();
  if (min) g.removeAttribute(n, 'min');
  if (max) g.removeAttribute(n, 'max');
  g.setInputs(n, inputs);
}

/**
 * Raises the model's default-domain opset to `to` (journaled: call inside the operation's
 * transaction), or throws a WorkbenchError naming the op that would change meaning. `what` and
 * `need` word the message (`quantize-static`, `QuantizeLinear`). Nothing happens when the model
 * is at `to` already.
 */
export function raiseOpset(model: IrModel, to: number, what: string, need: string): RaisedOpset | undefined {
  const from = model.opsetVersion('') ?? 0;
  if (from >= to) return undefined;
  const refuse = (why: string) => new WorkbenchError('OPSET_TOO_OLD', `${what}: the model's opset ${from} has no ${need} (needs ${to}) and raising it would change the model: ${why}; convert the model to opset ${to} or newer first`);
  if (from < RAISE_FROM_OPSET) throw refuse(`opsets before ${RAISE_FROM_OPSET} are not raised`);
  if (to > RAISE_TO_OPSET) throw refuse(`raising goes up to opset ${RAISE_TO_OPSET}`);
  // Everything is checked (and Clip's input types inferred on the model as it was) before any edit.
  const graphs = [...allGraphs(model.graph)];
  let inferred: ShapeInference | undefined;
  const taken = new Set<string>();
  const work: (() => void)[] = [];
  for (const g of graphs) {
    for (const n of [...g.nodes]) {
      if (!n.inDefaultDomain) continue;
      const why = blocker(g, n, from, to);
      if (why) throw refuse(why);
      const converts = (v: number) => opChangesBetween(n.opType, from, to).some((c) => c.change === 'convert' && c.version === v);
      if (n.opType === 'Slice' && converts(10)) work.push(() => convertSlice(g, n, taken));
      if (n.opType === 'Clip' && converts(11) && (n.attribute('min') || n.attribute('max'))) {
        const t = (inferred ??= inferShapes(model)).typeOf(g, n.inputs[0]!);
        const elemType = t?.kind === 'tensor' ? t.elemType : undefined;
        if (elemType !== ElemType.FLOAT && elemType !== ElemType.DOUBLE && elemType !== ElemType.FLOAT16) throw refuse(`the type of Clip ${label(n)}'s input is not known, so its min/max cannot become inputs`);
        work.push(() => convertClip(g, n, taken, elemType));
      }
    }
  }
  for (const w of work) w();
  model.addOpsetImport('', to);
  return { from, to, converted: work.length };
}
