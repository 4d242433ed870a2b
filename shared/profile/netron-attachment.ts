// Per-node metrics as a Netron attachment: a JSON file Netron opens beside the model and shows
// in the node sidebar. Format as Netron's source reads it (metadata.Attachment): `signature`
// 'netron:attachment', and `metadata` / `metrics` arrays of {kind, target, name, value, type}
// where kind is 'model' | 'graph' | 'node' | 'value' | 'tensor' and target the entity's name
// ('' for the model). Netron matches nodes by name, so unnamed nodes cannot be targeted.

import type { GraphIndex } from './graph-index.js';
import type { ProfileReport } from './report-schema.js';

export interface NetronItem {
  kind: 'model' | 'graph' | 'node' | 'value' | 'tensor';
  target: string;
  name: string;
  value: string | number;
  type?: string;
}

export interface NetronAttachment {
  signature: 'netron:attachment';
  metadata: NetronItem[];
  metrics: NetronItem[];
}

const round = (x: number) => Number(x.toPrecision(4));

/**
 * The attachment for `report` over the model `original` (the file the user opens in Netron).
 * A kernel that computes several nodes gives each of them its time, marked as the group's.
 */
export function netronAttachment(report: ProfileReport, original: GraphIndex): { attachment: NetronAttachment; skippedUnnamed: number } {
  const named = new Set(original.nodes.filter((n) => n.named && !n.name.includes('\n')).map((n) => n.name));
  const metadata: NetronItem[] = [
    { kind: 'model', target: '', name: 'profiled by', value: `onnx-workbench, onnxruntime ${report.onnxruntimeVersion}` },
    { kind: 'model', target: '', name: 'profile', value: `${report.provider.used}, optimization ${report.optimization}, ${report.runs} runs` },
  ];
  const metrics: NetronItem[] = [
    { kind: 'model', target: '', name: 'latency median (ms)', value: round(report.endToEnd.medianMs), type: 'float32' },
    { kind: 'model', target: '', name: 'latency p90 (ms)', value: round(report.endToEnd.p90Ms), type: 'float32' },
  ];
  let skippedUnnamed = 0;
  const done = new Set<string>();
  for (const k of report.nodes) {
    for (const node of k.originalNodes) {
      if (!named.has(node)) {
        skippedUnnamed++;
        continue;
      }
      if (done.has(node)) continue;
      done.add(node);
      const group = k.originalNodes.length > 1;
      metrics.push({ kind: 'node', target: node, name: group ? 'kernel time, fused group (ms)' : 'time (ms)', value: round(k.typicalMs), type: 'float32' });
      metrics.push({ kind: 'node', target: node, name: 'p90 (ms)', value: round(k.p90Ms), type: 'float32' });
      metrics.push({ kind: 'node', target: node, name: 'share', value: round(k.share), type: 'percentage' });
      metadata.push({ kind: 'node', target: node, name: 'kernel', value: `${k.name} (${k.opType}, ${k.provider})` });
      if (group) metadata.push({ kind: 'node', target: node, name: 'fused with', value: k.originalNodes.filter((n) => n !== node).join(', ') });
    }
  }
  return { attachment: { signature: 'netron:attachment', metadata, metrics }, skippedUnnamed };
}
