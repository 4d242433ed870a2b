// The script of the HTML report, run by the browser that opens it: it reads the report JSON
// embedded in the page and draws the charts with d3 (inlined in the page, no network) and the
// sortable tables. Kept as text: shared/ has no DOM types, and the page must not depend on a build.

export const REPORT_SCRIPT = String.raw`
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var main = document.getElementById('report');

  function fmt(x) {
    if (x === null || x === undefined || !isFinite(x)) return '–';
    var a = Math.abs(x);
    return a >= 100 ? x.toFixed(1) : a >= 1 ? x.toFixed(2) : a >= 0.01 ? x.toFixed(3) : x.toPrecision(2);
  }
  function pct(x) { return x === null || x === undefined || !isFinite(x) ? '–' : (x * 100).toFixed(1) + '%'; }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function section(parent, title) {
    var s = el('section');
    s.appendChild(el('h2', {}, title));
    parent.appendChild(s);
    return s;
  }
  function short(s, n) { return s.length > n ? s.slice(0, n - 1) + '…' : s; }

  // Horizontal bars; items: {label, value, value2?, title}. Two series when value2 is given.
  function barChart(parent, items, opts) {
    opts = opts || {};
    var box = el('div', { class: 'chart' });
    parent.appendChild(box);
    if (!items.length) { box.textContent = 'nothing to chart'; return; }
    var two = items.some(function (d) { return d.value2 !== undefined; });
    var margin = { top: two ? 26 : 8, right: 70, bottom: 28, left: 260 };
    var rowH = two ? 26 : 18, width = 900;
    var height = items.length * rowH + margin.top + margin.bottom;
    var svg = d3.select(box).append('svg').attr('width', width).attr('height', height).attr('class', opts.cls || 'bars');
    var max = d3.max(items, function (d) { return Math.max(d.value, d.value2 || 0); }) || 1;
    var x = d3.scaleLinear().domain([0, max]).nice().range([margin.left, width - margin.right]);
    var y = d3.scaleBand().domain(d3.range(items.length)).range([margin.top, height - margin.bottom]).padding(0.18);
    var series = two ? [['value', 'a'], ['value2', 'b']] : [['value', 'a']];
    series.forEach(function (s, si) {
      var g = svg.append('g').attr('class', 'series series-' + s[1]);
      g.selectAll('rect').data(items).join('rect')
        .attr('x', x(0))
        .attr('y', function (d, i) { return y(i) + (two ? si * y.bandwidth() / 2 : 0); })
        .attr('height', two ? y.bandwidth() / 2 : y.bandwidth())
        .attr('width', function (d) { return Math.max(0, x(d[s[0]] || 0) - x(0)); })
        .append('title').text(function (d) { return (d.title || d.label) + ': ' + fmt(d[s[0]]) + ' ms'; });
      g.selectAll('text.v').data(items).join('text').attr('class', 'v')
        .attr('x', function (d) { return x(d[s[0]] || 0) + 4; })
        .attr('y', function (d, i) { return y(i) + (two ? (si + 0.5) * y.bandwidth() / 2 : y.bandwidth() / 2); })
        .attr('dy', '0.35em').text(function (d) { return fmt(d[s[0]]); });
    });
    svg.append('g').attr('class', 'labels').selectAll('text').data(items).join('text')
      .attr('x', margin.left - 6).attr('y', function (d, i) { return y(i) + y.bandwidth() / 2; })
      .attr('dy', '0.35em').attr('text-anchor', 'end').text(function (d) { return short(d.label, 40); })
      .append('title').text(function (d) { return d.title || d.label; });
    svg.append('g').attr('transform', 'translate(0,' + (height - margin.bottom) + ')').call(d3.axisBottom(x).ticks(6));
    svg.append('text').attr('x', width - margin.right).attr('y', height - 2).attr('text-anchor', 'end').attr('class', 'unit').text('ms');
    if (two) {
      var legend = svg.append('g').attr('class', 'legend');
      [['A', 'a'], ['B', 'b']].forEach(function (l, i) {
        legend.append('rect').attr('class', 'series-' + l[1] + ' key').attr('x', margin.left + i * 80).attr('y', 6).attr('width', 12).attr('height', 12);
        legend.append('text').attr('x', margin.left + i * 80 + 16).attr('y', 16).text(opts.names ? opts.names[i] : l[0]);
      });
    }
  }

  // A table sorted by clicking a header (again to reverse). columns: {key, label, num, show}.
  function table(parent, columns, rows, limit) {
    var wrap = el('div', { class: 'table-wrap' });
    var t = el('table', { class: 'sortable' });
    var thead = el('thead'), tr = el('tr');
    var tbody = el('tbody');
    var state = { key: null, dir: 1 };
    function draw() {
      tbody.textContent = '';
      var list = rows.slice();
      if (state.key) {
        var col = columns.filter(function (c) { return c.key === state.key; })[0];
        list.sort(function (a, b) {
          var va = a[state.key], vb = b[state.key];
          if (col.num) return state.dir * ((va === null || va === undefined ? -Infinity : va) - (vb === null || vb === undefined ? -Infinity : vb));
          return state.dir * String(va).localeCompare(String(vb));
        });
      }
      list.slice(0, limit || list.length).forEach(function (r) {
        var row = el('tr');
        columns.forEach(function (c) {
          var v = r[c.key];
          row.appendChild(el('td', c.num ? { class: 'num' } : {}, c.show ? c.show(v, r) : v === null || v === undefined ? '–' : String(v)));
        });
        tbody.appendChild(row);
      });
    }
    columns.forEach(function (c) {
      var th = el('th', { 'data-key': c.key, title: 'sort' }, c.label);
      th.addEventListener('click', function () {
        state.dir = state.key === c.key ? -state.dir : c.num ? -1 : 1;
        state.key = c.key;
        Array.prototype.forEach.call(thead.querySelectorAll('th'), function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', state.dir > 0 ? 'ascending' : 'descending');
        draw();
      });
      tr.appendChild(th);
    });
    thead.appendChild(tr);
    t.appendChild(thead);
    t.appendChild(tbody);
    wrap.appendChild(t);
    parent.appendChild(wrap);
    draw();
    if (limit && rows.length > limit) parent.appendChild(el('p', { class: 'note' }, 'first ' + limit + ' of ' + rows.length + ' rows (the JSON report has all)'));
  }

  function facts(parent, pairs) {
    var dl = el('dl', { class: 'facts' });
    pairs.forEach(function (p) { dl.appendChild(el('dt', {}, p[0])); dl.appendChild(el('dd', {}, p[1])); });
    parent.appendChild(dl);
  }

  function signedPct(x) { return !isFinite(x) ? '–' : (x >= 0 ? '+' : '−') + Math.abs(x * 100).toFixed(1) + '%'; }

  function profileFacts(parent, p) {
    var prov = p.provider.used + (p.provider.fallback ? ' (fallback from ' + p.provider.requested + ': ' + p.provider.reason + ')' : '');
    var s = p.nodeSum;
    if (s && !s.addsUp) parent.appendChild(el('p', { class: 'warning node-sum-warning', role: 'alert' }, 'Warning: ' + s.warning));
    facts(parent, [
      ['model', p.model],
      ['provider', prov],
      ['optimization', p.optimization],
      ['runs', p.runs + ' measured after ' + p.warmup + ' warm-up'],
      ['end to end', fmt(p.endToEnd.medianMs) + ' ms median, p90 ' + fmt(p.endToEnd.p90Ms) + ' ms (profiler on: ' + fmt(p.endToEnd.withProfilerMedianMs) + ' ms)'],
      ['per-node sum', s ? fmt(s.totalMs) + ' ms (kernels ' + fmt(s.kernelMs) + ' + launching them ' + fmt(s.launchMs) + ') vs a traced run of ' + fmt(s.runMedianMs) + ' ms median: ' + signedPct(s.difference) + (s.addsUp ? ', adds up' : ', does not add up') + '; ' + fmt(s.outsideMs) + ' ms of a run outside any kernel (means over the middle ' + s.typicalRuns + ' of ' + p.runs + ' runs, scaled ×' + s.scale.toFixed(3) + ')' : '–'],
      ['kernels', p.nodes.length + ' kernels; their medians sum to ' + fmt(p.kernelMedianSumMs) + ' ms, ' + fmt(p.attribution.launchMs) + ' ms launching them per run'],
      ['attributed', pct(p.attribution.coverage) + ' of kernel time (' + pct(p.attribution.strictCoverage) + ' without layout reorders); unattributed ' + fmt(p.unattributedMs) + ' ms'],
    ]);
  }

  var NODE_COLUMNS = [
    { key: 'name', label: 'kernel' }, { key: 'opType', label: 'op type' }, { key: 'provider', label: 'provider' },
    { key: 'typicalMs', label: 'ms', num: true, show: fmt },
    { key: 'medianMs', label: 'median ms', num: true, show: fmt }, { key: 'p90Ms', label: 'p90 ms', num: true, show: fmt },
    { key: 'minMs', label: 'min ms', num: true, show: fmt }, { key: 'maxMs', label: 'max ms', num: true, show: fmt },
    { key: 'share', label: 'share', num: true, show: pct },
    { key: 'typicalLaunchMs', label: 'launch ms', num: true, show: fmt },
    { key: 'originalNodes', label: 'model nodes', show: function (v) { return v.length ? v.join(', ') : '(unattributed)'; } },
    { key: 'attribution', label: 'matched by' },
  ];
  var AGG_COLUMNS = [
    { key: 'key', label: 'op type' }, { key: 'typicalMs', label: 'ms', num: true, show: fmt },
    { key: 'medianMs', label: 'summed medians ms', num: true, show: fmt },
    { key: 'share', label: 'share', num: true, show: pct }, { key: 'kernels', label: 'kernels', num: true },
  ];

  function profileSections(parent, p, label) {
    var tag = label ? label + ': ' : '';
    var top = section(parent, tag + 'top nodes');
    barChart(top, p.nodes.slice(0, 20).map(function (n) {
      var nodes = n.originalNodes.length ? n.originalNodes.join(', ') : '(unattributed) ' + n.name;
      return { label: nodes + ' (' + n.opType + ')', value: n.typicalMs, title: 'kernel ' + n.name + ' (' + n.opType + ', ' + n.provider + ') = ' + (n.originalNodes.join(', ') || 'unattributed') };
    }), { cls: 'bars top-nodes' });
    var ops = section(parent, tag + 'time by operator type');
    barChart(ops, p.byOpType.map(function (a) { return { label: a.key + ' (' + a.kernels + ')', value: a.typicalMs }; }), { cls: 'bars op-types' });
    table(ops, AGG_COLUMNS, p.byOpType);
    var all = section(parent, tag + 'all kernels');
    table(all, NODE_COLUMNS, p.nodes, 500);
  }

  function compareSections(c) {
    var head = section(main, 'comparison');
    facts(head, [
      ['A', c.a.model], ['B', c.b.model],
      ['latency', fmt(c.a.endToEnd.medianMs) + ' ms → ' + fmt(c.b.endToEnd.medianMs) + ' ms; ' + c.verdict],
      ['pair ratios p10–p90', fmt(c.ratioSpread.p10) + ' – ' + fmt(c.ratioSpread.p90)],
      ['nodes', c.structure.nodesA + ' → ' + c.structure.nodesB + ' (' + c.structure.added.length + ' added, ' + c.structure.removed.length + ' removed, ' + c.structure.foldedConstants + ' constants folded, ' + c.structure.changed.length + ' changed, ' + c.structure.fused.length + ' fused into others)'],
      ['parameters', c.structure.parametersA + ' → ' + c.structure.parametersB],
      ['file size', c.structure.fileSizeA + ' → ' + c.structure.fileSizeB + ' bytes'],
    ]);
    var outs = section(main, 'outputs on the same inputs');
    table(outs, [
      { key: 'name', label: 'output' }, { key: 'maxAbsError', label: 'max abs error', num: true, show: function (v) { return v === null ? '–' : v.toExponential(2); } },
      { key: 'cosine', label: 'cosine', num: true, show: function (v) { return v === null ? '–' : v.toFixed(6); } },
      { key: 'top1Agreement', label: 'top-1 agreement', num: true, show: pct },
    ], c.outputs);
    var layers = section(main, 'per layer: A vs B');
    barChart(layers, c.layers.slice(0, 25).map(function (l) {
      var name = l.aNodes.length ? l.aNodes.join(', ') : l.bNodes.length ? l.bNodes.join(', ') : '(unattributed)';
      return { label: name, value: l.aMs, value2: l.bMs, title: 'A: ' + (l.aNodes.join(', ') || '–') + ' | B: ' + (l.bNodes.join(', ') || '–') };
    }), { cls: 'bars layers', names: ['A', 'B'] });
    table(layers, [
      { key: 'aNodes', label: 'A nodes', show: function (v) { return v.join(', ') || '–'; } },
      { key: 'bNodes', label: 'B nodes', show: function (v) { return v.join(', ') || '–'; } },
      { key: 'aMs', label: 'A ms', num: true, show: fmt }, { key: 'bMs', label: 'B ms', num: true, show: fmt },
      { key: 'deltaMs', label: 'Δ ms', num: true, show: fmt }, { key: 'match', label: 'matched by' },
    ], c.layers, 500);
    var diff = section(main, 'structural changes');
    table(diff, [{ key: 'kind', label: 'change' }, { key: 'nodes', label: 'nodes' }], [
      { kind: 'added in B (' + c.structure.added.length + ')', nodes: c.structure.added.join(', ') || '–' },
      { kind: 'removed from A (' + c.structure.removed.length + ')', nodes: c.structure.removed.join(', ') || '–' },
      { kind: 'changed (' + c.structure.changed.length + ')', nodes: c.structure.changed.join(', ') || '–' },
      { kind: 'fused into another node (' + c.structure.fused.length + ')', nodes: c.structure.fused.join(', ') || '–' },
    ]);
    [['A', c.a], ['B', c.b]].forEach(function (pair) {
      var s = section(main, pair[0] + ': ' + pair[1].model);
      profileFacts(s, pair[1]);
      profileSections(s, pair[1], pair[0]);
    });
  }

  document.title = data.schema === 'onnx-workbench.compare' ? 'compare: ' + data.a.model + ' vs ' + data.b.model : 'profile: ' + data.model;
  document.getElementById('title').textContent = document.title;
  if (data.schema === 'onnx-workbench.compare') compareSections(data);
  else {
    profileFacts(section(main, 'summary'), data);
    profileSections(main, data, '');
  }
})();
`;
