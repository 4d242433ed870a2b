import { FUNCTION_BODY, type GraphValueInfo } from '../../shared/protocol/backend.js';

// How values, initializers and subgraphs read in the view: `float[batch×128×768]` on edges,
// `W⟨64×3×3×3⟩` on nodes.

/** Dimensions joined with ×; symbolic dims by name, unknown ones as ?. */
export function formatDims(shape: readonly (number | string | null)[]): string {
  return shape.map((d) => (d === null ? '?' : String(d))).join('×');
}

/** The label of an edge: element type and shape, or '' when nothing is known. */
export function valueLabel(v: Pick<GraphValueInfo, 'elemType' | 'shape'> | undefined): string {
  if (!v || v.elemType === 'unknown' || v.elemType === 'undefined') return v?.shape ? `[${formatDims(v.shape)}]` : '';
  return v.shape ? `${v.elemType}[${formatDims(v.shape)}]` : v.elemType;
}

/** Symbolic dims longer than this are cut on edges (`p2o.Dyna…`), and whole labels past MAX_EDGE_LABEL. */
const MAX_EDGE_DIM = 10;
const MAX_EDGE_LABEL = 36;

/** The label drawn on an edge: valueLabel with long symbolic dims and long labels cut short (the whole one shows on hover). */
export function edgeLabel(v: Pick<GraphValueInfo, 'elemType' | 'shape'> | undefined): string {
  const cut = (t: string, max: number) => (t.length > max ? `${t.slice(0, max - 1)}…` : t);
  const shape = v?.shape?.map((d) => (typeof d === 'string' ? cut(d, MAX_EDGE_DIM) : d));
  return cut(valueLabel(v && { elemType: v.elemType, shape: shape ?? null }), MAX_EDGE_LABEL);
}

/** An initializer drawn on the node that reads it: `W⟨64×3×3×3⟩` (`⟨⟩` for a scalar). */
export function initializerLabel(slot: string, dims: readonly number[]): string {
  return `${slot}⟨${formatDims(dims)}⟩`;
}

/** A short name for an initializer whose slot has no schema name: its last path or dot segment. */
export function shortName(name: string, max = 14): string {
  const cut = Math.max(name.lastIndexOf('/'), name.lastIndexOf('.') >= name.length - 1 ? -1 : name.lastIndexOf('.'));
  const tail = cut >= 0 && cut < name.length - 1 ? name.slice(cut + 1) : name;
  return tail.length > max ? `${tail.slice(0, max - 1)}…` : tail;
}

/** Approximate width in pixels of text in the view's monospace font. */
export function textWidth(text: string, fontSize: number): number {
  return text.length * fontSize * 0.6;
}

/** Font size of edge labels, in graph units. */
export const EDGE_LABEL_FONT = 9;

/** The width of an edge label's box: its text with a pixel on each side (fonts run a little over 0.6 em). */
export function edgeLabelWidth(label: string): number {
  return Math.ceil(label.length * EDGE_LABEL_FONT * 0.62) + 2;
}

/** How a subgraph reads in the panel and the breadcrumb: `then_branch`, `branches[1]`, `function Gelu`. */
export function subgraphTitle(s: { attribute: string; index?: number; name: string }): string {
  if (s.attribute === FUNCTION_BODY) return `function ${s.name}`;
  return `${s.attribute}${s.index !== undefined ? `[${s.index}]` : ''}`;
}
