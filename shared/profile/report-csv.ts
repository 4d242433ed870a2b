// CSV exports: one row per kernel of a profile, one row per layer of a comparison (RFC 4180:
// comma-separated, fields quoted when needed; lists inside a field joined with ';').

import type { CompareReport, ProfileReport } from './report-schema.js';

function field(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(Number(v.toPrecision(6))) : '') : v;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function lines(rows: (string | number | null | undefined)[][]): string {
  return rows.map((r) => r.map(field).join(',')).join('\r\n') + '\r\n';
}

/** Columns of the profile CSV, in order (documented in the README). */
export const PROFILE_CSV_COLUMNS = [
  'rank', 'name', 'opType', 'provider', 'medianMs', 'p90Ms', 'minMs', 'maxMs', 'share', 'callsPerRun',
  'attribution', 'originalNodes', 'inputShapes', 'outputShapes', 'outputBytes', 'typicalMs',
] as const;

/** One row per kernel, slowest first (by typicalMs, the figure that adds up to a run). */
export function profileCsv(r: ProfileReport): string {
  return lines([
    [...PROFILE_CSV_COLUMNS],
    ...r.nodes.map((n, i) => [
      i + 1, n.name, n.opType, n.provider, n.medianMs, n.p90Ms, n.minMs, n.maxMs, n.share, n.callsPerRun,
      n.attribution, n.originalNodes.join(';'), n.inputShapes.join(';'), n.outputShapes.join(';'), n.memory.outputBytes, n.typicalMs,
    ]),
  ]);
}

export const COMPARE_CSV_COLUMNS = ['rank', 'aNodes', 'bNodes', 'aMs', 'bMs', 'deltaMs', 'match'] as const;

/** One row per layer of the comparison, largest first. */
export function compareCsv(r: CompareReport): string {
  return lines([[...COMPARE_CSV_COLUMNS], ...r.layers.map((l, i) => [i + 1, l.aNodes.join(';'), l.bNodes.join(';'), l.aMs, l.bMs, l.deltaMs, l.match])]);
}
