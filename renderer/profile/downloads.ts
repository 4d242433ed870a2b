import { renderHtmlReport } from '../../shared/profile/html-report.js';
import { compareCsv, profileCsv } from '../../shared/profile/report-csv.js';
import type { CompareReport, ProfileReport } from '../../shared/profile/report-schema.js';

// A report saved from the window as the CLI writes it: JSON, CSV, or the self-contained HTML
// page (which inlines d3; loaded only when asked for).

export type ReportFormat = 'json' | 'csv' | 'html';

function save(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Downloads a profile or comparison report as `<base>.<format>`. */
export async function downloadReport(report: ProfileReport | CompareReport, base: string, format: ReportFormat): Promise<void> {
  if (format === 'json') return save(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`, 'application/json');
  if (format === 'csv') return save(`${base}.csv`, report.schema === 'onnx-workbench.compare' ? compareCsv(report) : profileCsv(report), 'text/csv');
  const d3 = (await import('../../node_modules/d3/dist/d3.min.js?raw')).default;
  save(`${base}.html`, renderHtmlReport(report, d3), 'text/html');
}

/** A file name from a model's: `model.onnx` → `model-profile`. */
export function reportBase(modelName: string, kind: 'profile' | 'compare'): string {
  return `${modelName.replace(/\.onnx$/i, '').replace(/[^\w.-]+/g, '_') || 'model'}-${kind}`;
}
