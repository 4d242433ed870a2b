import type { Graph } from '../../ir/graph.js';
import { ElemType } from '../../onnx/element-types.js';
import type { TensorProto } from '../../onnx/proto-types.js';
import { externalDataOf } from '../../onnx/external-data.js';
import { encodeRawValues } from '../../onnx/tensor-values.js';
import type { Pass, PassContext } from '../../rewrite/pass.js';

// Two initializers hold the same tensor when their type, dims and value bytes are equal. Bytes
// are compared in one canonical form (raw_data; typed fields re-encoded), so a tensor written as
// float_data matches its raw_data twin. Big models have thousands of weights: only tensors with
// the same type and dims are compared, first by a hash of a sample of their bytes, then in full.

const SAMPLE_WINDOWS = 64;
const WINDOW = 1024;
const utf8 = new TextEncoder();

/** The tensor's value bytes in raw_data form, or undefined when they are not at hand. */
function canonicalBytes(ctx: PassContext, t: TensorProto): Uint8Array | undefined {
  if (t.dataType === ElemType.STRING) {
    // Length-prefixed, so ['ab', 'c'] and ['a', 'bc'] differ.
    const parts = (t.stringData ?? []).flatMap((s) => [utf8.encode(`${s.length}:`), s]);
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
  if (t.dataLocation !== 1 && t.rawData) return t.rawData;
  const v = ctx.facts.values(t);
  return v && !Array.isArray(v) ? encodeRawValues(t.dataType ?? 0, v) : undefined;
}

// FNV-1a over the whole of small tensors, and over evenly spread windows of big ones.
function sampleHash(b: Uint8Array): number {
  let h = 0x811c9dc5 ^ b.length;
  const mix = (from: number, to: number) => {
    for (let i = from; i < to; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  };
  if (b.length <= SAMPLE_WINDOWS * WINDOW) mix(0, b.length);
  else {
    const stride = Math.floor((b.length - WINDOW) / (SAMPLE_WINDOWS - 1));
    for (let w = 0; w < SAMPLE_WINDOWS; w++) mix(w * stride, w * stride + WINDOW);
  }
  return h >>> 0;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Where the bytes of an external tensor live: the same file region is the same tensor. */
function externalKey(t: TensorProto): string | undefined {
  const ref = externalDataOf(t);
  return ref && ref.length !== undefined ? `${ref.location}|${ref.offset}|${ref.length}` : undefined;
}

/** Initializers of `graph` that may be merged, grouped by a key that equal tensors share. */
function candidateGroups(g: Graph): TensorProto[][] {
  const groups = new Map<string, TensorProto[]>();
  for (const [name, t] of g.initializers) {
    // A graph input with a default can be overridden by the caller: it is not a constant.
    if (g.isGraphInput(name)) continue;
    const key = `${t.dataType ?? 0}|${(t.dims ?? []).join(',')}`;
    const list = groups.get(key);
    if (list) list.push(t);
    else groups.set(key, [t]);
  }
  return [...groups.values()].filter((l) => l.length > 1);
}

/** Splits a group of same-type, same-dims tensors into classes of identical tensors. */
function identicalClasses(ctx: PassContext, group: readonly TensorProto[]): TensorProto[][] {
  const classes: { bytes: Uint8Array | undefined; ext: string | undefined; members: TensorProto[] }[] = [];
  const byHash = new Map<string, typeof classes>();
  for (const t of group) {
    const ext = t.dataLocation === 1 ? externalKey(t) : undefined;
    const bytes = ext === undefined ? canonicalBytes(ctx, t) : undefined;
    if (ext === undefined && bytes === undefined) continue;
    const hash = ext !== undefined ? `x${ext}` : `h${sampleHash(bytes!)}`;
    const bucket = byHash.get(hash) ?? [];
    const same = bucket.find((c) => (ext !== undefined ? c.ext === ext : c.bytes !== undefined && sameBytes(c.bytes, bytes!)));
    if (same) same.members.push(t);
    else {
      const c = { bytes, ext, members: [t] };
      bucket.push(c);
      classes.push(c);
      byHash.set(hash, bucket);
    }
  }
  return classes.filter((c) => c.members.length > 1).map((c) => c.members);
}

/** Merges initializers holding identical tensors (type, dims and bytes): readers of the copies read one of them. */
export const duplicateInitializers: Pass = {
  name: 'duplicate-initializers',
  description: 'merges initializers with identical type, dims and bytes into one (overridable graph-input defaults are left alone)',
  target: 'portable',
  requires: [],
  numerics: 'exact',
  keepsTypes: true,
  run(ctx) {
    const g = ctx.graph;
    let merged = 0;
    for (const group of candidateGroups(g)) {
      for (const members of identicalClasses(ctx, group)) {
        const names = members.map((t) => t.name ?? '');
        // A graph output's name is part of the model's signature: keep one, never rename it away.
        const keep = names.find((n) => g.isGraphOutput(n)) ?? names[0]!;
        for (const name of names) {
          if (name === keep || g.isGraphOutput(name)) continue;
          // In a selection, only copies that selected nodes alone read are merged.
          const readers = [...g.consumers(name), ...g.subgraphReaders(name)];
          if (ctx.scope && (readers.length === 0 || !ctx.inScope(readers))) continue;
          ctx.model.journal.transaction('merge initializer', () => {
            g.replaceAllUses(name, keep);
            g.removeInitializer(name);
          });
          merged++;
        }
      }
    }
    return merged;
  },
};
