/** Escapes text for HTML. */
function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The browser host's page where the renderer is not built (`npm run build` builds it): the
 * initial model's summary, fetched from the API with the page's token.
 */
export function summaryPage(modelPath: string | null): string {
  const shown = modelPath ?? 'no model';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ONNX Workbench: ${esc(shown)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td,th{padding:2px 10px;text-align:left;border-bottom:1px solid #ddd}h1{font-size:18px}</style>
</head><body>
<h1>ONNX Workbench</h1><p aria-label="model path">${esc(shown)}</p>
<p>The workbench UI is not built; run <code>npm run build</code> and restart to get the graph view.</p>
<main id="summary" aria-live="polite">Loading…</main>
<script>
const token = new URLSearchParams(location.search).get('token');
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => '&#' + c.charCodeAt(0) + ';');
const row = (k, v) => '<tr><th scope="row">' + esc(k) + '</th><td>' + esc(v) + '</td></tr>';
const shape = (v) => v.shape ? '[' + v.shape.map((d) => d === null ? '?' : d).join(', ') + ']' : '?';
fetch('/api/initialModel', { method: 'POST', headers: { 'content-type': 'application/json', 'x-workbench-token': token }, body: '{}' })
.then((r) => r.json()).then((envelope) => {
  if (!envelope.ok) throw new Error(envelope.error.message);
  if (!envelope.result) { document.getElementById('summary').textContent = 'No model.'; return; }
  const s = envelope.result.summary;
  document.getElementById('summary').innerHTML =
    '<table aria-label="model">' +
    row('IR version', s.irVersion) + row('opsets', s.opsetImports.map((o) => (o.domain || 'ai.onnx') + ' ' + o.version).join(', ')) +
    row('producer', s.producerName) + row('nodes', s.nodeCount + ' (' + s.nodeCountTotal + ' with subgraphs)') +
    row('parameters', s.parameterCount.toLocaleString()) +
    s.inputs.map((v) => row('input ' + v.name, v.elemType + ' ' + shape(v))).join('') +
    s.outputs.map((v) => row('output ' + v.name, v.elemType + ' ' + shape(v))).join('') +
    '</table><h2>Operators</h2><table aria-label="operators">' +
    Object.entries(s.opTypes).map(([k, n]) => row(k, n)).join('') + '</table>';
}).catch((e) => { document.getElementById('summary').textContent = 'Could not load the model: ' + e.message; });
</script></body></html>`;
}
