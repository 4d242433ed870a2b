// The self-contained HTML report: one file with the report JSON, d3 and the drawing script
// inlined, so it opens anywhere (a browser, an email attachment, CI artifacts) with no network.

import { REPORT_SCRIPT } from './html-report-script.js';
import type { CompareReport, ProfileReport } from './report-schema.js';

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1d2430; max-width: 1200px; }
h1 { font-size: 20px; margin: 0 0 12px; } h2 { font-size: 16px; margin: 24px 0 8px; border-bottom: 1px solid #d8dde6; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: 2px 16px; margin: 0; }
dl.facts dt { color: #5a6475; } dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.chart svg { font-size: 11px; } .chart svg text { fill: #1d2430; }
.series-a rect, rect.series-a { fill: #4e79a7; } .series-b rect, rect.series-b { fill: #f28e2b; }
.bars text.v { fill: #5a6475; } .unit { fill: #5a6475; }
.table-wrap { max-height: 480px; overflow: auto; border: 1px solid #d8dde6; margin: 8px 0; }
table { border-collapse: collapse; width: 100%; font-size: 12px; }
th { position: sticky; top: 0; background: #eef1f5; cursor: pointer; text-align: left; padding: 4px 6px; user-select: none; }
th[aria-sort=ascending]::after { content: ' ▲'; } th[aria-sort=descending]::after { content: ' ▼'; }
td { padding: 3px 6px; border-top: 1px solid #eef1f5; vertical-align: top; overflow-wrap: anywhere; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.note { color: #5a6475; font-size: 12px; }
.warning { color: #9c2b23; background: #fdecea; border-left: 4px solid #d9534f; padding: 6px 10px; }
`;

// Inline script text must not close its element early: '</script' and '<!--' are escaped.
function scriptSafe(text: string): string {
  return text.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/** Text made safe to place in HTML (element content or a quoted attribute). */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/** The report page for a profile or a comparison; `d3Source` is d3's UMD build (d3.min.js). */
export function renderHtmlReport(report: ProfileReport | CompareReport, d3Source: string): string {
  const title = report.schema === 'onnx-workbench.compare' ? `compare: ${report.a.model} vs ${report.b.model}` : `profile: ${report.model}`;
  // JSON in a non-executed script element: only '<' needs escaping there.
  const json = JSON.stringify(report).replace(/</g, '\\u003c');
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // Nothing may be fetched: the page works offline, and a report from a stranger cannot phone home.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head><body>',
    `<h1 id="title">${escapeHtml(title)}</h1>`,
    '<main id="report"></main>',
    `<script type="application/json" id="report-data">${json}</script>`,
    `<script>${scriptSafe(d3Source)}</script>`,
    `<script>${scriptSafe(REPORT_SCRIPT)}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}
