import { useState } from 'react';
import type { CompareReport, ProfileReport } from '../../shared/profile/report-schema.js';
import { downloadReport, type ReportFormat } from './downloads.js';

/** Buttons that download a report as HTML, JSON or CSV. */
export function ExportButtons({ report, base }: { report: ProfileReport | CompareReport; base: string }) {
  const [error, setError] = useState<string | null>(null);
  const kind = report.schema === 'onnx-workbench.compare' ? 'comparison' : 'profile';
  return (
    <div className="report-exports">
      Export:
      {(['html', 'json', 'csv'] as ReportFormat[]).map((f) => (
        <button key={f} type="button" aria-label={`export ${kind} as ${f.toUpperCase()}`} onClick={() => downloadReport(report, base, f).catch((e: Error) => setError(e.message))}>
          {f.toUpperCase()}
        </button>
      ))}
      {error ? <span role="alert">{error}</span> : null}
    </div>
  );
}
