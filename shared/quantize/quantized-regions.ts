// The pays-off check: for each quantized region, its measured time in the float model and in the
// quantized one. A region is a float node (with the nodes one kernel or one fusion ran together
// with it) and what quantization made of it: the quantized node, its QuantizeLinear/
// DequantizeLinear neighbours, a MatMulInteger chain. Kernels of the quantized model go to the
// float nodes their principal node derives from (provenance, else the same name); a kernel of
// QuantizeLinear/DequantizeLinear alone goes where those nodes' own provenance says (the node
// whose output they quantize, or the one reading a quantized graph input). Unlike compare's layer
// table, a fused QDQ kernel does not join its upstream neighbour's region through the
// QuantizeLinear it absorbed, so that each region keeps its own time.

import type { GraphIndex, IndexedNode } from '../profile/graph-index.js';
import { ORIGINS_KEY, parseOrigins } from '../profile/provenance.js';
import type { NodeRecord } from '../profile/report-schema.js';
import { INTEGER_OPS, QUANT_PLUMBING_OPS } from './sensitivity-pairs.js';
import { CORE_OPS } from './static-options.js';
import { UnionFind } from '../profile/union-find.js';

/** One quantized region's measured time before (float model) and after (quantized model). */
export interface RegionTiming {
  /** The float node the region is named after (its Conv, Gemm or MatMul where it has one). */
  node: string;
  opType: string;
  /** Summed typical kernel times (ms) of the region's kernels in each model. */
  beforeMs: number;
  afterMs: number;
  /** afterMs / beforeMs; null when the float model spent no measured time there. */
  ratio: number | null;
  /** The float model's nodes in the region. */
  floatNodes: string[];
  /** The quantized model's nodes in the region, other than QuantizeLinear/DequantizeLinear. */
  quantizedNodes: string[];
}

const CORE = new Set<string>(CORE_OPS);
const isPlumbing = (n: IndexedNode) => QUANT_PLUMBING_OPS.has(n.opType);
const isQuantOp = (n: IndexedNode) => QUANT_PLUMBING_OPS.has(n.opType) || INTEGER_OPS.has(n.opType);

/**
 * Regions of quantized float nodes, with the time each model's kernels spent in them. `a` is the
 * float model, `b` the quantized one (its nodes carrying provenance to `a`'s names, as quantize
 * writes them); the kernels are each model's profile records (NodeRecord.originalNodes name the
 * model's own nodes). Largest float time first.
 */
export function quantizedRegions(a: GraphIndex, b: GraphIndex, aKernels: readonly NodeRecord[], bKernels: readonly NodeRecord[]): RegionTiming[] {
  const uf = new UnionFind();
  const homes = (bNode: IndexedNode): string[] => {
    const raw = bNode.metadata[ORIGINS_KEY];
    const origins = raw === undefined ? [bNode.name] : parseOrigins(raw);
    return origins.filter((n) => a.byName.has(n));
  };
  const bByName = (name: string) => (b.byName.get(name) ?? []).map((id) => b.nodes[id]!);
  const joinAll = (names: readonly string[]) => names.forEach((n) => uf.union(n, names[0]!));

  for (const n of b.nodes) if (!isPlumbing(n)) joinAll(homes(n));
  for (const k of aKernels) if (k.originalNodes.length) joinAll(k.originalNodes);
  const kernelHome = (k: NodeRecord): string[] => {
    const nodes = k.originalNodes.flatMap(bByName);
    const principal = nodes.filter((n) => !isPlumbing(n));
    return (principal.length ? principal : nodes).flatMap(homes);
  };
  const bHomes = bKernels.map(kernelHome);
  for (const h of bHomes) if (h.length) joinAll(h);

  const quantized = new Set<string>();
  const quantizedNodes = new Map<string, Set<string>>();
  for (const n of b.nodes) {
    const h = homes(n);
    if (!h.length) continue;
    const root = uf.find(h[0]!);
    if (isQuantOp(n)) quantized.add(root);
    if (!isPlumbing(n)) {
      const s = quantizedNodes.get(root) ?? new Set<string>();
      s.add(n.name);
      quantizedNodes.set(root, s);
    }
  }
  const before = new Map<string, number>();
  const after = new Map<string, number>();
  const add = (m: Map<string, number>, root: string, ms: number) => m.set(root, (m.get(root) ?? 0) + ms);
  for (const k of aKernels) if (k.originalNodes.length) add(before, uf.find(k.originalNodes[0]!), k.typicalMs);
  bKernels.forEach((k, i) => {
    const h = bHomes[i]!;
    if (h.length) add(after, uf.find(h[0]!), k.typicalMs);
  });

  const members = new Map<string, IndexedNode[]>();
  for (const n of a.nodes) {
    if (n.graph !== '') continue;
    const root = uf.find(n.name);
    if (!quantized.has(root)) continue;
    const list = members.get(root) ?? [];
    list.push(n);
    members.set(root, list);
  }
  const regions: RegionTiming[] = [];
  for (const [root, nodes] of members) {
    const named = nodes.find((n) => CORE.has(n.opType)) ?? nodes[0]!;
    const beforeMs = before.get(root) ?? 0;
    const afterMs = after.get(root) ?? 0;
    regions.push({
      node: named.name,
      opType: named.opType,
      beforeMs,
      afterMs,
      ratio: beforeMs > 0 ? afterMs / beforeMs : null,
      floatNodes: nodes.map((n) => n.name),
      quantizedNodes: [...(quantizedNodes.get(root) ?? [])],
    });
  }
  return regions.sort((x, y) => y.beforeMs - x.beforeMs);
}
