// Writing reports: JSON, CSV, the self-contained HTML page (d3 inlined from the installed
// package) and the Netron attachment, each saved atomically.

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { WorkbenchError } from '../../shared/errors.js';
import type { GraphIndex } from '../../shared/profile/graph-index.js';
import { renderHtmlReport } from '../../shared/profile/html-report.js';
import { netronAttachment } from '../../shared/profile/netron-attachment.js';
import { compareCsv, profileCsv } from '../../shared/profile/report-csv.js';
import type { CompareReport, ProfileReport } from '../../shared/profile/report-schema.js';
import { AtomicFile } from '../io/atomic-file.js';

/** Writes a text file atomically. */
export async function writeText(path: string, text: string): Promise<void> {
  const file = await AtomicFile.create(path);
  try {
    await file.writeSegments([new TextEncoder().encode(text)]);
    await file.commit();
  } catch (e) {
    await file.abandon();
    throw e;
  }
}

let d3Cache: string | undefined;

/** d3's UMD build, to inline in HTML reports. */
export async function d3Source(): Promise<string> {
  if (d3Cache !== undefined) return d3Cache;
  try {
    const entry = createRequire(import.meta.url).resolve('d3');
    d3Cache = await readFile(join(dirname(entry), 'd3.min.js'), 'utf8');
    return d3Cache;
  } catch {
    throw new WorkbenchError('NO_D3', 'the d3 package is not installed (npm install): HTML reports inline its d3.min.js');
  }
}

export interface ReportPaths {
  json?: string;
  csv?: string;
  html?: string;
  netron?: string;
}

/** Writes the reports asked for; returns one line per file written. */
export async function writeReports(report: ProfileReport | CompareReport, paths: ReportPaths, original?: GraphIndex): Promise<string[]> {
  const done: string[] = [];
  if (paths.json) {
    await writeText(paths.json, `${JSON.stringify(report, null, 2)}\n`);
    done.push(`wrote ${paths.json}`);
  }
  if (paths.csv) {
    await writeText(paths.csv, report.schema === 'onnx-workbench.compare' ? compareCsv(report) : profileCsv(report));
    done.push(`wrote ${paths.csv}`);
  }
  if (paths.html) {
    await writeText(paths.html, renderHtmlReport(report, await d3Source()));
    done.push(`wrote ${paths.html}`);
  }
  if (paths.netron && report.schema === 'onnx-workbench.profile' && original) {
    const { attachment, skippedUnnamed } = netronAttachment(report, original);
    await writeText(paths.netron, `${JSON.stringify(attachment, null, 1)}\n`);
    done.push(`wrote ${paths.netron}${skippedUnnamed ? ` (${skippedUnnamed} unnamed node(s) left out: Netron matches nodes by name)` : ''}`);
  }
  return done;
}
