import type { AttributeProto, GraphProto, ModelProto, NodeProto, TensorProto } from './proto-types.js';

/** Where a tensor sits, which decides what may be done with it (only initializers move freely). */
export type TensorRole = 'initializer' | 'sparse' | 'attribute';

type Fn = (t: TensorProto, role: TensorRole) => TensorProto;

function mapList<T>(list: T[] | undefined, f: (x: T) => T): T[] | undefined {
  if (!list) return list;
  let changed = false;
  const out = list.map((x) => {
    const y = f(x);
    if (y !== x) changed = true;
    return y;
  });
  return changed ? out : list;
}

function mapAttribute(a: AttributeProto, fn: Fn): AttributeProto {
  const t = a.t && fn(a.t, 'attribute');
  const tensors = mapList(a.tensors, (x) => fn(x, 'attribute'));
  const g = a.g && mapGraph(a.g, fn);
  const graphs = mapList(a.graphs, (x) => mapGraph(x, fn));
  if (t === a.t && tensors === a.tensors && g === a.g && graphs === a.graphs) return a;
  const out: AttributeProto = { ...a };
  if (t) out.t = t;
  if (tensors) out.tensors = tensors;
  if (g) out.g = g;
  if (graphs) out.graphs = graphs;
  return out;
}

function mapNode(n: NodeProto, fn: Fn): NodeProto {
  const attribute = mapList(n.attribute, (a) => mapAttribute(a, fn));
  return attribute === n.attribute ? n : { ...n, attribute };
}

function mapGraph(g: GraphProto, fn: Fn): GraphProto {
  const initializer = mapList(g.initializer, (t) => fn(t, 'initializer'));
  const sparseInitializer = mapList(g.sparseInitializer, (s) => {
    const values = s.values && fn(s.values, 'sparse');
    const indices = s.indices && fn(s.indices, 'sparse');
    return values === s.values && indices === s.indices ? s : { ...s, ...(values && { values }), ...(indices && { indices }) };
  });
  const node = mapList(g.node, (n) => mapNode(n, fn));
  if (initializer === g.initializer && sparseInitializer === g.sparseInitializer && node === g.node) return g;
  const out: GraphProto = { ...g };
  if (initializer) out.initializer = initializer;
  if (sparseInitializer) out.sparseInitializer = sparseInitializer;
  if (node) out.node = node;
  return out;
}

/**
 * A copy of the model with every tensor passed through `fn`, sharing all parts that did not
 * change; the input model is never modified. Visits tensors in file order.
 */
export function mapModelTensors(model: ModelProto, fn: Fn): ModelProto {
  const graph = model.graph && mapGraph(model.graph, fn);
  const functions = mapList(model.functions, (f) => {
    const node = mapList(f.node, (n) => mapNode(n, fn));
    return node === f.node ? f : { ...f, node };
  });
  const trainingInfo = mapList(model.trainingInfo, (t) => {
    const initialization = t.initialization && mapGraph(t.initialization, fn);
    const algorithm = t.algorithm && mapGraph(t.algorithm, fn);
    if (initialization === t.initialization && algorithm === t.algorithm) return t;
    return { ...t, ...(initialization && { initialization }), ...(algorithm && { algorithm }) };
  });
  if (graph === model.graph && functions === model.functions && trainingInfo === model.trainingInfo) return model;
  return { ...model, ...(graph && { graph }), ...(functions && { functions }), ...(trainingInfo && { trainingInfo }) };
}

/** Every tensor of the model (initializers, sparse parts, attribute tensors; all graphs and functions), in file order. */
export function listModelTensors(model: ModelProto): { tensor: TensorProto; role: TensorRole }[] {
  const out: { tensor: TensorProto; role: TensorRole }[] = [];
  mapModelTensors(model, (tensor, role) => {
    out.push({ tensor, role });
    return tensor;
  });
  return out;
}
