/* mnv4-bench dashboard: renders the data embedded in index.html (script#mnv4-data, JSON) with Chart.js.
 *
 * Every string from the data is inserted as text (textContent / text nodes / canvas text), never as HTML.
 * Charts are created when their section is first shown (hidden canvases have no size), or all at once by
 * `window.mnv4Dashboard.renderAll()` (PNG export, tests).
 */
(function () {
  'use strict';

  var COLORS = { measured: '#1f6fb4', simulated: '#d9730d', published: '#6b6b6b' };
  var STYLE = { measured: 'circle', simulated: 'triangle', published: 'rect' };
  var PALETTE = ['#1f6fb4', '#2ca02c', '#9467bd', '#17becf', '#8c564b', '#e377c2', '#bcbd22', '#d62728', '#7f7f7f', '#ff7f0e'];
  var SECTIONS = ['overview', 'pareto', 'models', 'blocks', 'ops', 'lut', 'compare'];

  var data;
  var problems = [];
  try {
    data = JSON.parse(document.getElementById('mnv4-data').textContent);
  } catch (e) {
    data = null;
    problems.push('The embedded data could not be read (' + e.message + '); rebuild the dashboard with mnv4-bench dashboard.');
  }
  if (typeof Chart === 'undefined') problems.push('chart.umd.min.js did not load: keep the files of this folder together.');

  var charts = {}; // id -> Chart
  var pending = {}; // section -> [functions that create charts]
  var rendered = {};

  /* ---------- DOM helpers (text only) ---------- */
  function el(tag, attrs) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k === 'text') node.textContent = String(v);
        else if (k === 'cls') node.className = v;
        else node.setAttribute(k, String(v));
      });
    }
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }
  function append(node, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child))
      child.forEach(function (c) {
        append(node, c);
      });
    else if (typeof child === 'object' && child.nodeType) node.appendChild(child);
    else node.appendChild(document.createTextNode(String(child)));
  }
  function badge(kind, text) {
    return el('span', { cls: 'badge ' + String(kind).replace(/[^a-z-]/g, ''), text: text || kind });
  }
  /** a table column whose cells are badges (provenance, status). */
  function badgeColumn(key, label) {
    return {
      key: key,
      label: label,
      fmt: function (v) {
        return badge(v);
      },
    };
  }
  function note(text) {
    return el('p', { cls: 'note', text: text });
  }
  function num(v, digits) {
    if (v === null || v === undefined || !isFinite(v)) return '';
    return Number(v).toFixed(digits === undefined ? 2 : digits);
  }
  function pct(v, digits) {
    if (v === null || v === undefined || !isFinite(v)) return '';
    return (v * 100).toFixed(digits === undefined ? 1 : digits) + '%';
  }
  function signedPct(v) {
    if (v === null || v === undefined || !isFinite(v)) return '';
    return (v > 0 ? '+' : '') + (v * 100).toFixed(1) + '%';
  }
  function fmtMs(v) {
    if (v === null || v === undefined || !isFinite(v)) return '';
    return v >= 100 ? v.toFixed(1) : v >= 10 ? v.toFixed(2) : v.toFixed(3);
  }

  /* ---------- sortable tables ---------- */
  // columns: [{key, label, num: bool, fmt: fn(value,row) -> string|Node}]
  function table(columns, rows, opts) {
    opts = opts || {};
    var tbody = el('tbody');
    var state = { key: null, dir: 1 };
    var headers = columns.map(function (c) {
      var th = el('th', { cls: 'sortable' + (c.num ? ' num' : ''), scope: 'col', tabindex: '0', 'data-key': c.key, text: c.label });
      function sortBy() {
        state.dir = state.key === c.key ? -state.dir : 1;
        state.key = c.key;
        headers.forEach(function (h) {
          h.removeAttribute('aria-sort');
        });
        th.setAttribute('aria-sort', state.dir === 1 ? 'ascending' : 'descending');
        fill();
      }
      th.addEventListener('click', sortBy);
      th.addEventListener('keydown', function (ev) {
        if (ev.key === 'Enter' || ev.key === ' ') {
          ev.preventDefault();
          sortBy();
        }
      });
      return th;
    });
    function value(row, c) {
      var v = c.sortValue ? c.sortValue(row) : row[c.key];
      return v === undefined ? null : v;
    }
    function fill() {
      var sorted = rows.slice();
      if (state.key !== null) {
        var c = columns.filter(function (x) {
          return x.key === state.key;
        })[0];
        sorted.sort(function (a, b) {
          var va = value(a, c),
            vb = value(b, c);
          if (va === null && vb === null) return 0;
          if (va === null) return 1; // empty cells last in both directions
          if (vb === null) return -1;
          if (typeof va === 'number' && typeof vb === 'number') return (va - vb) * state.dir;
          return String(va).localeCompare(String(vb), undefined, { numeric: true }) * state.dir;
        });
      }
      while (tbody.firstChild) tbody.removeChild(tbody.firstChild);
      sorted.forEach(function (row) {
        var tr = el('tr', { cls: opts.rowClass ? opts.rowClass(row) : null });
        columns.forEach(function (c) {
          var v = row[c.key];
          var shown = c.fmt ? c.fmt(v, row) : v === null || v === undefined ? '' : String(v);
          tr.appendChild(el('td', { cls: c.num ? 'num' : null }, shown));
        });
        tbody.appendChild(tr);
      });
    }
    fill();
    var t = el('table', { 'data-table': opts.id || null }, el('thead', null, el('tr', null, headers)), tbody);
    return el('div', { cls: 'table-wrap' }, t);
  }

  /* ---------- charts ---------- */
  function chartCard(section, id, title, notes, make, tall) {
    var canvas = el('canvas', { 'data-chart': id, role: 'img', 'aria-label': title });
    var card = el('div', { cls: 'card' }, el('h3', { text: title }), el('div', { cls: 'chart-box' + (tall ? ' tall' : '') }, canvas));
    (notes || []).forEach(function (n) {
      card.appendChild(note(n));
    });
    (pending[section] = pending[section] || []).push(function () {
      if (charts[id] || typeof Chart === 'undefined') return;
      charts[id] = new Chart(canvas.getContext('2d'), make());
    });
    return card;
  }
  function baseOptions(extra) {
    var o = {
      animation: false,
      responsive: true,
      layout: { padding: { right: 36, top: 6 } },
      maintainAspectRatio: false,
      plugins: { legend: { position: 'bottom', labels: { usePointStyle: true, boxWidth: 8 } }, tooltip: { enabled: true } },
    };
    Object.keys(extra || {}).forEach(function (k) {
      o[k] = extra[k];
    });
    return o;
  }
  /** log-axis ticks at 1, 2, 5 x 10^k only (Chart.js labels every minor tick otherwise). */
  function logTick(value) {
    var v = Number(value);
    var m = v / Math.pow(10, Math.floor(Math.log10(v) + 1e-9));
    if (Math.abs(m - 1) > 1e-6 && Math.abs(m - 2) > 1e-6 && Math.abs(m - 5) > 1e-6) return '';
    return v >= 1 ? String(Math.round(v * 100) / 100) : String(Number(v.toPrecision(2)));
  }
  /** legend entries drawn with the series' own colour (per-point colours would give the first point's). */
  function legendLabels(chart) {
    var items = Chart.defaults.plugins.legend.labels.generateLabels(chart);
    items.forEach(function (item) {
      var ds = chart.data.datasets[item.datasetIndex];
      if (ds && ds.legendFill) {
        item.fillStyle = ds.legendFill;
        item.strokeStyle = ds.legendStroke;
      }
    });
    return items;
  }
  function alpha(hex, a) {
    var n = parseInt(hex.slice(1), 16);
    return 'rgba(' + ((n >> 16) & 255) + ',' + ((n >> 8) & 255) + ',' + (n & 255) + ',' + a + ')';
  }

  /* ---------- overview ---------- */
  function renderOverview(root, a) {
    root.appendChild(el('h2', { text: 'Runs' }));
    if (a.runs.length === 0)
      root.appendChild(
        el('p', {
          cls: 'note',
          text: 'No runs were loaded: only published figures are shown. Measure with `mnv4-bench run --device host`, then rebuild the dashboard.',
        }),
      );
    else
      root.appendChild(
        table(
          [
            { key: 'runId', label: 'run' },
            { key: 'createdAt', label: 'created (UTC)' },
            { key: 'deviceName', label: 'device' },
            { key: 'cpu', label: 'host CPU' },
            { key: 'cores', label: 'cores', num: true },
            { key: 'memGiB', label: 'memory GiB', num: true },
            { key: 'os', label: 'OS' },
            { key: 'isa', label: 'ISA' },
            { key: 'protocol', label: 'preset' },
            { key: 'sessions', label: 'sessions', num: true },
            { key: 'tool', label: 'mnv4-bench' },
            { key: 'measured', label: 'measured', num: true },
            { key: 'simulated', label: 'simulated', num: true },
            { key: 'failed', label: 'failed', num: true },
            { key: 'notes', label: 'notes' },
          ],
          a.runs.map(function (r) {
            return {
              runId: r.runId,
              createdAt: r.createdAt.replace('T', ' ').replace(/\.\d+Z$/, ''),
              deviceName: r.deviceName,
              isa: r.host.isa.join(' '),
              sessions: r.sessionsPerMeasurement,
              cpu: r.host.cpu + ' · ' + r.host.hostname,
              cores: r.host.cores,
              memGiB: r.host.memGiB,
              os: r.host.os + ' ' + r.host.platform + '/' + r.host.arch,
              protocol: r.protocol,
              tool: r.tool.version + (r.tool.gitCommit ? ' ' + r.tool.gitCommit.slice(0, 8) + (r.tool.gitDirty ? ' (dirty)' : '') : ''),
              measured: r.measured,
              simulated: r.simulated,
              failed: r.failed,
              notes: r.notes.join('; '),
            };
          }),
          { id: 'runs' },
        ),
      );
    if (a.problems.length) {
      root.appendChild(el('h2', { text: 'Skipped inputs' }));
      var ul = el('ul', { cls: 'problems' });
      a.problems.forEach(function (p) {
        ul.appendChild(el('li', { cls: 'problem' }, badge('skipped'), ' ', p.dir + ': ' + p.message));
      });
      root.appendChild(ul);
    }
    root.appendChild(el('h2', { text: 'Targets' }));
    root.appendChild(
      table(
        [
          { key: 'device', label: 'device' },
          { key: 'targetLabel', label: 'target' },
          badgeColumn('status', 'status'),
          { key: 'count', label: 'records', num: true },
          { key: 'reason', label: 'reason / source' },
          { key: 'runId', label: 'run' },
        ],
        a.targets,
        { id: 'targets' },
      ),
    );
    root.appendChild(el('h2', { text: 'Published figures' }));
    root.appendChild(
      note(
        'Top-1 (ImageNet-1k), MACs and params as published, each with its source. [T6] = ' +
          a.citation +
          ' (also the source of every published latency).',
      ),
    );
    var cite = function (s) {
      return s === a.citation ? '[T6]' : s;
    };
    root.appendChild(
      table(
        [
          { key: 'name', label: 'model' },
          { key: 'top1', label: 'top-1 %', num: true },
          { key: 'top1Source', label: 'top-1 source' },
          { key: 'macs', label: 'MACs G', num: true },
          { key: 'params', label: 'params M', num: true },
          { key: 'costSource', label: 'MACs / params source' },
        ],
        a.models.map(function (m) {
          return {
            name: m.name,
            top1: m.top1 ? m.top1.value : null,
            top1Source: m.top1 ? cite(m.top1.source) + (m.top1.note ? ' (' + m.top1.note + ')' : '') : '',
            macs: m.macsG ? m.macsG.value : null,
            params: m.paramsM ? m.paramsM.value : null,
            costSource: [m.macsG && cite(m.macsG.source), m.paramsM && cite(m.paramsM.source)]
              .filter(Boolean)
              .filter(function (s, i, arr) {
                return arr.indexOf(s) === i;
              })
              .join('; '),
          };
        }),
        { id: 'published' },
      ),
    );
  }

  /* ---------- Pareto ---------- */
  function paretoChart(g) {
    var datasets = [];
    ['measured', 'simulated', 'published'].forEach(function (prov) {
      var pts = g.series[prov];
      if (!pts.length) return;
      var color = COLORS[prov];
      var hollow = prov === 'simulated';
      datasets.push({
        label: prov,
        data: pts.map(function (p) {
          // names on frontier points and MobileNetV4 models only, so crowded charts stay readable
          var named = !p.dominated || p.name.indexOf('MNv4') === 0;
          return { x: p.cost, y: p.accuracy, xLo: p.costLo, xHi: p.costHi, label: named ? p.name : null, point: p };
        }),
        pointStyle: STYLE[prov],
        pointRadius: pts.map(function (p) {
          return p.dominated ? 4 : 6;
        }),
        backgroundColor: pts.map(function (p) {
          return hollow ? 'rgba(255,255,255,0.9)' : alpha(color, p.dominated ? 0.3 : 0.9);
        }),
        borderColor: pts.map(function (p) {
          return alpha(color, p.dominated ? 0.45 : 1);
        }),
        borderWidth: hollow ? 2 : 1,
        pointLabels: true,
        pointLabelColor: color,
        // simulated names below their points, the others above, so two series of the same models stay legible
        pointLabelOffset: prov === 'simulated' ? { x: 7, y: 10 } : { x: 7, y: -7 },
        errorBarColor: color,
        legendFill: hollow ? '#ffffff' : color,
        legendStroke: color,
      });
      var front = pts
        .filter(function (p) {
          return !p.dominated;
        })
        .sort(function (a, b) {
          return a.cost - b.cost;
        });
      if (front.length > 1)
        datasets.push({
          label: prov + ' frontier',
          type: 'line',
          data: front.map(function (p) {
            return { x: p.cost, y: p.accuracy };
          }),
          borderColor: color,
          borderDash: prov === 'simulated' ? [6, 4] : prov === 'published' ? [2, 3] : [],
          borderWidth: 1.5,
          pointRadius: 0,
          pointStyle: 'line',
          fill: false,
        });
    });
    var axisTitle = g.axis === 'latency' ? 'median latency (ms, log scale)' : g.axis === 'macs' ? 'MACs (G, log scale)' : 'parameters (M, log scale)';
    // room on the right for the names beside the points (log axis: a factor, not an offset)
    var costs = [];
    ['measured', 'simulated', 'published'].forEach(function (prov) {
      g.series[prov].forEach(function (p) {
        costs.push(p.cost);
        if (p.costHi !== null) costs.push(p.costHi);
        if (p.costLo !== null) costs.push(p.costLo);
      });
    });
    var xMax = costs.length ? Math.max.apply(null, costs) * 1.9 : undefined;
    var xMin = costs.length ? Math.min.apply(null, costs) / 1.15 : undefined;
    return {
      type: 'scatter',
      data: { datasets: datasets },
      options: baseOptions({
        scales: {
          x: { type: 'logarithmic', min: xMin, max: xMax, title: { display: true, text: axisTitle }, ticks: { callback: logTick, maxRotation: 0 } },
          y: { title: { display: true, text: 'ImageNet-1k top-1 (%)' } },
        },
        plugins: {
          legend: { position: 'bottom', labels: { usePointStyle: true, boxWidth: 8, generateLabels: legendLabels } },
          tooltip: {
            callbacks: {
              label: function (ctx) {
                var p = ctx.raw && ctx.raw.point;
                if (!p) return ctx.dataset.label;
                return (
                  p.name +
                  ' [' +
                  p.provenance +
                  ']: ' +
                  fmtMs(p.cost) +
                  ' ' +
                  g.unit +
                  ', top-1 ' +
                  p.accuracy +
                  '%' +
                  (p.dominated ? ' (dominated)' : '')
                );
              },
            },
          },
        },
      }),
    };
  }
  /* ---------- device model validation (simulation view) ---------- */
  /** per simulated column: out-of-sample r_s and MAPE of the device model, the plain roofline and MAC counting. */
  function renderDeviceModels(root, list) {
    if (!list.length) return;
    var grid = el('div', { cls: 'grid' });
    list.forEach(function (d, i) {
      var card = el(
        'div',
        { cls: 'card', 'data-device-model': d.column },
        el('h3', { text: d.device + ' \u00b7 ' + d.label + ' \u00b7 device model, out of sample' }),
      );
      card.appendChild(badge('simulated'));
      var rate = function (k) {
        return {
          key: k,
          label: k === 'deviceModel' ? 'device model r_s / MAPE' : k === 'roofline' ? 'plain roofline r_s / MAPE' : 'MAC count r_s / MAPE',
          fmt: function (v) {
            return (v.spearman === null ? 'n/a' : num(v.spearman, 3)) + ' / ' + pct(v.mape);
          },
        };
      };
      card.appendChild(
        table(
          [
            { key: 'scheme', label: 'validation' },
            { key: 'trainN', label: 'train n', num: true },
            rate('deviceModel'),
            rate('roofline'),
            rate('macs'),
          ],
          d.validation,
          { id: 'device-model-' + i },
        ),
      );
      var terms = d.estimates
        .map(function (e) {
          return e.term + ' ' + Number(e.value.toPrecision(3)) + ' \u00b1 ' + Number(e.se.toPrecision(2)) + ' ' + e.unit;
        })
        .join('; ');
      card.appendChild(
        note(
          'Each figure predicts a model without its own published latency (leave-one-out; or from the other family only). Fitted on all ' +
            d.n +
            ' models (' +
            d.parameters +
            ' parameters, \u00b1 jackknife SE), used only to simulate other workloads: ' +
            terms +
            '; ridge point ' +
            d.ridgePoint +
            ' MACs/B. ' +
            (d.onChipMemory.absent
              ? 'No off-chip term: ' + d.onChipMemory.absent
              : 'On-chip memory: ' + d.onChipMemory.what + ' (' + d.onChipMemory.source + ').'),
        ),
      );
      grid.appendChild(card);
    });
    root.appendChild(grid);
  }

  /** per simulated column: a search space's sampled architectures (MACs vs simulated latency) beside the models. */
  function spaceFrontierChart(f) {
    var pts = f.frontier.points;
    var front = pts
      .filter(function (p) {
        return p.frontier;
      })
      .sort(function (a, b) {
        return a.ms - b.ms;
      });
    var published = f.models.filter(function (m) {
      return m.publishedMs !== null;
    });
    var ds = function (label, data, style, color, hollow, radius) {
      return {
        label: label,
        data: data,
        pointStyle: style,
        pointRadius: radius,
        backgroundColor: hollow ? 'rgba(255,255,255,0.9)' : alpha(color, 0.85),
        borderColor: color,
        borderWidth: hollow ? 1.5 : 1,
        pointLabels: true,
        pointLabelColor: color,
        legendFill: hollow ? '#ffffff' : color,
        legendStroke: color,
      };
    };
    var datasets = [
      ds(
        f.frontier.space + ' sampled architectures (simulated)',
        pts.map(function (p) {
          return { x: p.ms, y: p.macsG, label: null, arch: p.arch };
        }),
        'circle',
        alpha(COLORS.simulated, 0.55),
        true,
        3,
      ),
      {
        label: f.frontier.space + ' frontier (simulated)',
        type: 'line',
        data: front.map(function (p) {
          return { x: p.ms, y: p.macsG };
        }),
        borderColor: COLORS.simulated,
        borderDash: [6, 4],
        borderWidth: 1.5,
        pointRadius: 0,
        pointStyle: 'line',
        fill: false,
      },
      ds(
        'models (simulated, leave-one-out)',
        f.models.map(function (m) {
          return { x: m.simulatedMs, y: m.macsG, label: m.name.indexOf('MNv4') === 0 ? m.name : null };
        }),
        'triangle',
        COLORS.simulated,
        true,
        6,
      ),
      ds(
        'models (published)',
        published.map(function (m) {
          return { x: m.publishedMs, y: m.macsG, label: null };
        }),
        'rect',
        COLORS.published,
        false,
        5,
      ),
    ];
    return {
      type: 'scatter',
      data: { datasets: datasets },
      options: baseOptions({
        scales: {
          x: { type: 'logarithmic', title: { display: true, text: 'latency (ms, log scale)' }, ticks: { callback: logTick, maxRotation: 0 } },
          y: { type: 'logarithmic', title: { display: true, text: 'MACs (G, counted, log scale)' }, ticks: { callback: logTick } },
        },
      }),
    };
  }
  function renderSpaceFrontiers(root, list) {
    if (!list.length) return;
    var grid = el('div', { cls: 'grid' });
    list.forEach(function (f, i) {
      var title = f.device + ' \u00b7 ' + f.label + ' \u00b7 ' + f.frontier.space + ' search space, simulated';
      if (f.frontier.unavailable) {
        grid.appendChild(el('div', { cls: 'card' }, el('h3', { text: title }), note('Not simulated: ' + f.frontier.unavailable)));
        return;
      }
      var notes = [
        'SIMULATED by the device model: ' +
          f.frontier.points.length +
          ' seeded architectures of ' +
          f.frontier.space +
          ' at ' +
          f.frontier.resolution +
          'px (the skeleton first). Sampled architectures have no published accuracy, so the frontier is the most MACs within a simulated latency. Orange triangles: the models, simulated leave-one-out; grey squares: their published latencies.',
      ];
      grid.appendChild(
        chartCard('pareto', 'space-frontier-' + i, title, notes, function () {
          return spaceFrontierChart(f);
        }),
      );
    });
    root.appendChild(grid);
  }

  function renderPareto(root, a) {
    root.appendChild(
      note(
        'Each chart is one device/target. Filled circles: measured; hollow triangles: simulated; grey squares: published (Table 6). Lines join each series\u2019 Pareto frontier; faded points are dominated (kept, not dropped). Horizontal bars: CI of the median. Top-1 is the published accuracy (source in each table).',
      ),
    );
    var grid = el('div', { cls: 'grid' });
    a.pareto.forEach(function (g, i) {
      var id = 'pareto-' + i;
      var card = chartCard('pareto', id, g.title, g.notes, function () {
        return paretoChart(g);
      });
      var rows = [];
      ['measured', 'simulated', 'published'].forEach(function (prov) {
        g.series[prov].forEach(function (p) {
          rows.push(p);
        });
      });
      var det = el('details', null, el('summary', { text: rows.length + ' points' }));
      det.appendChild(
        table(
          [
            { key: 'name', label: 'model' },
            badgeColumn('provenance', 'series'),
            {
              key: 'cost',
              label: g.axis === 'latency' ? 'median ms' : g.unit,
              num: true,
              fmt: function (v) {
                return fmtMs(v);
              },
            },
            {
              key: 'costLo',
              label: 'CI lo',
              num: true,
              fmt: function (v) {
                return fmtMs(v);
              },
            },
            {
              key: 'costHi',
              label: 'CI hi',
              num: true,
              fmt: function (v) {
                return fmtMs(v);
              },
            },
            { key: 'accuracy', label: 'top-1 %', num: true },
            {
              key: 'dominated',
              label: 'frontier',
              fmt: function (v, r) {
                return v ? 'dominated by ' + r.dominatedBy.join(', ') : 'on frontier';
              },
            },
            { key: 'accuracySource', label: 'top-1 source' },
            { key: 'note', label: 'note' },
          ],
          rows,
          {
            id: id,
            rowClass: function (r) {
              return r.dominated ? 'dominated' : null;
            },
          },
        ),
      );
      card.appendChild(det);
      grid.appendChild(card);
    });
    root.appendChild(grid);
    // the device model's simulation view: a search space's simulated frontier, then the out-of-sample validation
    renderSpaceFrontiers(root, a.spaceFrontiers || []);
    renderDeviceModels(root, a.deviceModels || []);
  }

  /* ---------- models across targets ---------- */
  function renderModels(root, a) {
    var rows = a.modelRows;
    if (!rows.length) {
      root.appendChild(note('No whole-model measurements in the loaded runs.'));
    } else {
      var order = ['conv-s', 'conv-m', 'hybrid-m', 'conv-l', 'hybrid-l'];
      var models = [];
      rows.forEach(function (r) {
        if (models.indexOf(r.model) < 0) models.push(r.model);
      });
      models.sort(function (x, y) {
        var ix = order.indexOf(x),
          iy = order.indexOf(y);
        return (ix < 0 ? 99 : ix) - (iy < 0 ? 99 : iy) || (x < y ? -1 : 1);
      });
      var targets = [];
      rows.forEach(function (r) {
        if (
          !targets.some(function (t) {
            return t.key === r.targetKey;
          })
        )
          targets.push({ key: r.targetKey, label: r.targetLabel, provenance: r.provenance, device: r.device });
      });
      var names = models.map(function (m) {
        var r = rows.filter(function (x) {
          return x.model === m;
        })[0];
        return r.name;
      });
      var card = chartCard(
        'models',
        'models-latency',
        'Median latency per model and target (CI of the median as error bars)',
        ['grey bars: published Table 6 figures (another device and runtime); white bars with an orange border: simulated; coloured bars: measured'],
        function () {
          return {
            type: 'bar',
            data: {
              labels: names,
              datasets: targets.map(function (t, i) {
                var color =
                  t.provenance === 'published' ? COLORS.published : t.provenance === 'simulated' ? COLORS.simulated : PALETTE[i % PALETTE.length];
                var cells = models.map(function (m) {
                  return (
                    rows.filter(function (r) {
                      return r.model === m && r.targetKey === t.key;
                    })[0] || null
                  );
                });
                return {
                  label: t.device + ' · ' + t.label + ' [' + t.provenance + ']',
                  data: cells.map(function (c) {
                    return c ? c.medianMs : null;
                  }),
                  errorBars: cells.map(function (c) {
                    return c && c.ciLo !== null ? { lo: c.ciLo, hi: c.ciHi } : null;
                  }),
                  backgroundColor: t.provenance === 'simulated' ? 'rgba(255,255,255,0.6)' : alpha(color, t.provenance === 'published' ? 0.45 : 0.8),
                  borderColor: color,
                  borderWidth: t.provenance === 'simulated' ? 2 : 1,
                  borderDash: t.provenance === 'simulated' ? [5, 3] : undefined,
                };
              }),
            },
            options: baseOptions({
              scales: { y: { type: 'logarithmic', title: { display: true, text: 'median latency (ms, log scale)' }, ticks: { callback: logTick } } },
            }),
          };
        },
        true,
      );
      root.appendChild(card);
      root.appendChild(el('h2', { text: 'Latency table' }));
      root.appendChild(
        table(
          [
            { key: 'name', label: 'model' },
            { key: 'device', label: 'device' },
            { key: 'targetLabel', label: 'target' },
            badgeColumn('provenance', 'provenance'),
            { key: 'medianMs', label: 'median ms', num: true, fmt: fmtMs },
            { key: 'ciLo', label: 'CI lo', num: true, fmt: fmtMs },
            { key: 'ciHi', label: 'CI hi', num: true, fmt: fmtMs },
            { key: 'n', label: 'n', num: true },
            {
              key: 'flags',
              label: 'flags',
              fmt: function (v) {
                return v.join('; ');
              },
              sortValue: function (r) {
                return r.flags.join('; ');
              },
            },
            { key: 'runId', label: 'run' },
          ],
          rows,
          { id: 'models' },
        ),
      );
    }
    root.appendChild(el('h2', { text: 'Efficiency' }));
    if (!a.efficiency.length) root.appendChild(note('No model or architecture measurements.'));
    else {
      root.appendChild(
        note(
          'GMAC/s = counted MACs / median latency. Roofline share = the paper\u2019s roofline time (Eq. 1: per layer max(MACs / peak, bytes / bandwidth)) over the measured latency: at a peak the run measured on that target (dense single convolutions) with the device profile\u2019s ridge point, or else the roofline fitted to the device\u2019s Table 6 column (--simulation); empty where neither is known.',
        ),
      );
      root.appendChild(
        table(
          [
            { key: 'workloadId', label: 'workload' },
            { key: 'device', label: 'device' },
            { key: 'targetLabel', label: 'target' },
            badgeColumn('provenance', 'provenance'),
            {
              key: 'gmac',
              label: 'GMAC',
              num: true,
              fmt: function (v) {
                return num(v, 3);
              },
            },
            { key: 'medianMs', label: 'median ms', num: true, fmt: fmtMs },
            {
              key: 'gmacPerSecond',
              label: 'GMAC/s',
              num: true,
              fmt: function (v) {
                return num(v, 1);
              },
            },
            {
              key: 'peakGmacPerSecond',
              label: 'peak GMAC/s',
              num: true,
              fmt: function (v) {
                return num(v, 1);
              },
            },
            {
              key: 'rooflineShare',
              label: 'roofline share',
              num: true,
              fmt: function (v) {
                return pct(v);
              },
            },
            { key: 'rooflineSource', label: 'roofline from' },
            {
              key: 'ridge',
              label: 'ridge point',
              sortValue: function (r) {
                return r.ridgePoint ? r.ridgePoint.macsPerByte : null;
              },
              fmt: function (v, r) {
                return r.ridgePoint ? r.ridgePoint.macsPerByte + ' MAC/B (' + r.ridgePoint.source + ')' : '';
              },
            },
            { key: 'runId', label: 'run' },
          ],
          a.efficiency,
          { id: 'efficiency' },
        ),
      );
    }
  }

  /* ---------- blocks ---------- */
  function renderBlocks(root, a) {
    var rows = a.blocks;
    if (!rows.length) {
      root.appendChild(
        note('No per-block data: measure blocks (e.g. `--workloads conv-s/b00,conv-s/b01,...`) or profile whole models (`--profile`).'),
      );
      return;
    }
    var groups = [];
    rows.forEach(function (r) {
      var k = r.device + ' · ' + r.targetLabel + ' · ' + r.source;
      if (groups.indexOf(k) < 0) groups.push(k);
    });
    var grid = el('div', { cls: 'grid' });
    groups.forEach(function (k, gi) {
      var gr = rows.filter(function (r) {
        return r.device + ' · ' + r.targetLabel + ' · ' + r.source === k;
      });
      var models = [];
      gr.forEach(function (r) {
        if (models.indexOf(r.model) < 0) models.push(r.model);
      });
      // one dataset per block position (b00, b01...): models have different blocks at the same position
      var indices = [];
      gr.forEach(function (r) {
        if (indices.indexOf(r.index) < 0) indices.push(r.index);
      });
      indices.sort(function (x, y) {
        return x - y;
      });
      function cell(m, idx) {
        return (
          gr.filter(function (x) {
            return x.model === m && x.index === idx;
          })[0] || null
        );
      }
      grid.appendChild(
        chartCard(
          'blocks',
          'blocks-' + gi,
          'Per-block latency: ' + k,
          [
            (gr[0].source === 'standalone'
              ? 'each block measured alone; stacked per model (the sum is not the model\u2019s latency)'
              : 'profiler time of each block inside the whole model') +
              '; colours mark block positions (b00, b01, ...; they repeat every ten); hover a segment for the block\u2019s name and time; the table below has every figure',
          ],
          function () {
            return {
              type: 'bar',
              data: {
                labels: models,
                datasets: indices.map(function (idx, i) {
                  return {
                    label: idx < 0 ? 'unattributed' : 'b' + (idx < 10 ? '0' : '') + idx,
                    data: models.map(function (m) {
                      var r = cell(m, idx);
                      return r ? r.medianMs : null;
                    }),
                    blockNames: models.map(function (m) {
                      var r = cell(m, idx);
                      return r ? r.block : '';
                    }),
                    backgroundColor: PALETTE[i % PALETTE.length],
                    borderColor: '#fff',
                    borderWidth: 0.5,
                  };
                }),
              },
              options: baseOptions({
                indexAxis: 'y',
                scales: { x: { stacked: true, title: { display: true, text: 'ms' } }, y: { stacked: true } },
                plugins: {
                  // 20-40 positions cycle through ten colours: a legend would mislead, the tooltip names each block
                  legend: { display: false },
                  tooltip: {
                    callbacks: {
                      label: function (ctx) {
                        return (ctx.dataset.blockNames[ctx.dataIndex] || ctx.dataset.label) + ': ' + fmtMs(ctx.raw) + ' ms';
                      },
                    },
                  },
                },
              }),
            };
          },
        ),
      );
    });
    root.appendChild(grid);
    root.appendChild(el('h2', { text: 'Block table' }));
    var totals = {};
    rows.forEach(function (r) {
      var k = r.runId + r.targetLabel + r.model + r.source;
      totals[k] = (totals[k] || 0) + r.medianMs;
    });
    root.appendChild(
      table(
        [
          { key: 'model', label: 'model' },
          {
            key: 'block',
            label: 'block',
            sortValue: function (r) {
              return r.index;
            },
          },
          { key: 'device', label: 'device' },
          { key: 'targetLabel', label: 'target' },
          { key: 'source', label: 'source' },
          { key: 'medianMs', label: 'median ms', num: true, fmt: fmtMs },
          { key: 'ciLo', label: 'CI lo', num: true, fmt: fmtMs },
          { key: 'ciHi', label: 'CI hi', num: true, fmt: fmtMs },
          { key: 'n', label: 'n', num: true },
          {
            key: 'gmac',
            label: 'GMAC',
            num: true,
            fmt: function (v) {
              return num(v, 4);
            },
          },
          {
            key: 'share',
            label: 'share of sum',
            num: true,
            fmt: function (v) {
              return pct(v);
            },
          },
        ],
        rows.map(function (r) {
          var o = {};
          Object.keys(r).forEach(function (k) {
            o[k] = r[k];
          });
          o.share = r.medianMs / totals[r.runId + r.targetLabel + r.model + r.source];
          return o;
        }),
        { id: 'blocks' },
      ),
    );
  }

  /* ---------- ops ---------- */
  function renderOps(root, a) {
    var rows = a.ops;
    if (!rows.length) {
      root.appendChild(note('No per-op profiles in the loaded runs (measure with --profile on a target that has a profiler).'));
      return;
    }
    var series = [];
    rows.forEach(function (r) {
      var k = r.workloadId + ' · ' + r.targetLabel;
      if (series.indexOf(k) < 0) series.push(k);
    });
    var totalsByOp = {};
    rows.forEach(function (r) {
      totalsByOp[r.op] = (totalsByOp[r.op] || 0) + r.ms;
    });
    var ops = Object.keys(totalsByOp).sort(function (x, y) {
      return totalsByOp[y] - totalsByOp[x];
    });
    var top = ops.slice(0, 9);
    root.appendChild(
      chartCard(
        'ops',
        'ops',
        'Per-op time (profiler medians, ms)',
        ['the nine op types with the most time; the rest as "other"'],
        function () {
          var labels = top.concat(ops.length > top.length ? ['other'] : []);
          return {
            type: 'bar',
            data: {
              labels: series,
              datasets: labels.map(function (op, i) {
                return {
                  label: op,
                  data: series.map(function (s) {
                    return rows
                      .filter(function (r) {
                        return r.workloadId + ' · ' + r.targetLabel === s && (op === 'other' ? top.indexOf(r.op) < 0 : r.op === op);
                      })
                      .reduce(function (t, r) {
                        return t + r.ms;
                      }, 0);
                  }),
                  backgroundColor: PALETTE[i % PALETTE.length],
                };
              }),
            },
            options: baseOptions({ indexAxis: 'y', scales: { x: { stacked: true, title: { display: true, text: 'ms' } }, y: { stacked: true } } }),
          };
        },
        true,
      ),
    );
    root.appendChild(
      table(
        [
          { key: 'workloadId', label: 'workload' },
          { key: 'targetLabel', label: 'target' },
          { key: 'op', label: 'op' },
          { key: 'ms', label: 'ms', num: true, fmt: fmtMs },
          {
            key: 'share',
            label: 'share',
            num: true,
            fmt: function (v) {
              return pct(v);
            },
          },
          { key: 'runId', label: 'run' },
        ],
        rows,
        { id: 'ops' },
      ),
    );
  }

  /* ---------- LUT ---------- */
  function renderLut(root, lut) {
    if (!lut) {
      root.appendChild(note('No LUT validation given: build the dashboard with --lut FILE (a JSON array of {arch, predictedMs, measuredMs}).'));
      return;
    }
    var s = lut.stats;
    root.appendChild(
      note('Source: ' + lut.source + (lut.context ? ' (' + lut.context + ')' : '') + '. Predictions are estimated; measurements measured.'),
    );
    lut.warnings.forEach(function (w) {
      root.appendChild(el('p', { cls: 'problem', text: w }));
    });
    root.appendChild(
      el(
        'div',
        { cls: 'stats' },
        el('div', null, el('b', { text: String(s.n) }), 'architectures'),
        el('div', null, el('b', { text: pct(s.mape) }), 'MAPE'),
        el('div', null, el('b', { text: num(s.rmseMs, 3) + ' ms' }), 'RMSE'),
        el('div', null, el('b', { text: pct(s.within5) }), 'within \u00b15%'),
        el('div', null, el('b', { text: pct(s.within10) }), 'within \u00b110%'),
        el('div', null, el('b', { text: signedPct(s.bias) }), 'mean signed error'),
        el('div', null, el('b', { text: pct(s.maxAbsError) }), 'largest error'),
        el('div', null, el('b', { text: s.noiseFloor === null ? 'n/a' : pct(s.noiseFloor) }), 'noise floor (session spread)'),
      ),
    );
    var all = lut.points
      .map(function (p) {
        return p.measuredMs;
      })
      .concat(
        lut.points.map(function (p) {
          return p.predictedMs;
        }),
      );
    var lo = Math.min.apply(null, all) * 0.95,
      hi = Math.max.apply(null, all) * 1.05;
    function series(kind) {
      return lut.points
        .filter(function (p) {
          return p.kind === kind;
        })
        .map(function (p) {
          return { x: p.measuredMs, y: p.predictedMs, arch: p.arch, err: p.error, label: kind === 'model' ? p.arch : null };
        });
    }
    root.appendChild(
      chartCard(
        'lut',
        'lut',
        'Predicted vs measured latency',
        ['solid line: prediction = measurement; dashed: \u00b110%; statistics over the sampled architectures (the MNv4 models are shown apart)'],
        function () {
          return {
            type: 'scatter',
            data: {
              datasets: [
                { label: 'sampled architectures', data: series('arch'), backgroundColor: alpha(COLORS.measured, 0.7), pointRadius: 4 },
                {
                  label: 'MNv4 models',
                  data: series('model'),
                  backgroundColor: alpha(COLORS.simulated, 0.9),
                  pointStyle: 'rectRot',
                  pointRadius: 6,
                  pointLabels: true,
                  pointLabelColor: COLORS.simulated,
                },
                {
                  label: 'y = x',
                  type: 'line',
                  data: [
                    { x: lo, y: lo },
                    { x: hi, y: hi },
                  ],
                  borderColor: '#333',
                  borderWidth: 1,
                  pointRadius: 0,
                },
                {
                  label: '+10%',
                  type: 'line',
                  data: [
                    { x: lo, y: lo * 1.1 },
                    { x: hi, y: hi * 1.1 },
                  ],
                  borderColor: '#999',
                  borderDash: [4, 4],
                  borderWidth: 1,
                  pointRadius: 0,
                },
                {
                  label: '\u221210%',
                  type: 'line',
                  data: [
                    { x: lo, y: lo * 0.9 },
                    { x: hi, y: hi * 0.9 },
                  ],
                  borderColor: '#999',
                  borderDash: [4, 4],
                  borderWidth: 1,
                  pointRadius: 0,
                },
              ],
            },
            options: baseOptions({
              scales: { x: { title: { display: true, text: 'measured (ms)' } }, y: { title: { display: true, text: 'predicted (ms, estimated)' } } },
              plugins: {
                legend: { position: 'bottom' },
                tooltip: {
                  callbacks: {
                    label: function (ctx) {
                      var r = ctx.raw;
                      return r.arch ? r.arch + ': ' + signedPct(r.err) : ctx.dataset.label;
                    },
                  },
                },
              },
            }),
          };
        },
        true,
      ),
    );
    root.appendChild(
      table(
        [
          { key: 'arch', label: 'architecture' },
          { key: 'kind', label: 'kind' },
          { key: 'predictedMs', label: 'predicted ms (estimated)', num: true, fmt: fmtMs },
          { key: 'measuredMs', label: 'measured ms', num: true, fmt: fmtMs },
          { key: 'error', label: 'error', num: true, fmt: signedPct },
          { key: 'spreadMs', label: 'session spread ms', num: true, fmt: fmtMs },
        ],
        lut.points,
        { id: 'lut' },
      ),
    );
  }

  /* ---------- compare ---------- */
  function renderCompare(root, c) {
    if (!c) {
      root.appendChild(note('No comparison: build the dashboard from two or more runs (the two latest are compared) or pass --compare A,B.'));
      return;
    }
    root.appendChild(el('h2', { text: 'Run ' + c.runB.runId + ' against ' + c.runA.runId }));
    root.appendChild(
      el(
        'div',
        { cls: 'stats' },
        el('div', null, el('b', { text: String(c.regressions) }), 'significant regressions > ' + pct(c.threshold)),
        el('div', null, el('b', { text: String(c.improvements) }), 'significant improvements'),
        el('div', null, el('b', { text: pct(c.runA.noiseFloor) || 'n/a' }), 'noise floor A'),
        el('div', null, el('b', { text: pct(c.runB.noiseFloor) || 'n/a' }), 'noise floor B'),
      ),
    );
    c.notes.forEach(function (n) {
      root.appendChild(note(n));
    });
    var both = c.rows.filter(function (r) {
      return r.change !== null;
    });
    if (both.length) {
      var statusColor = { regression: '#b42318', improvement: '#067647' };
      root.appendChild(
        chartCard(
          'compare',
          'compare',
          'Change of the median (B / A \u2212 1), 95% CI (over sessions: widened for few sessions)',
          ['red: significant regression beyond the threshold; green: significant improvement; grey: no significant change or within the threshold'],
          function () {
            return {
              type: 'bar',
              data: {
                labels: both.map(function (r) {
                  return r.workloadId + ' · ' + r.targetLabel;
                }),
                datasets: [
                  {
                    label: 'change',
                    data: both.map(function (r) {
                      return r.change * 100;
                    }),
                    errorBars: both.map(function (r) {
                      return r.changeLo !== null ? { lo: r.changeLo * 100, hi: r.changeHi * 100 } : null;
                    }),
                    backgroundColor: both.map(function (r) {
                      return statusColor[r.status] || '#a0a7b4';
                    }),
                  },
                ],
              },
              options: baseOptions({
                indexAxis: 'y',
                plugins: { legend: { display: false } },
                scales: { x: { title: { display: true, text: 'change of the median (%)' } } },
              }),
            };
          },
          true,
        ),
      );
    }
    root.appendChild(
      table(
        [
          { key: 'workloadId', label: 'workload' },
          { key: 'targetLabel', label: 'target' },
          badgeColumn('status', 'status'),
          { key: 'medianA', label: 'A ms', num: true, fmt: fmtMs },
          { key: 'medianB', label: 'B ms', num: true, fmt: fmtMs },
          { key: 'change', label: 'change', num: true, fmt: signedPct },
          { key: 'changeLo', label: 'CI lo', num: true, fmt: signedPct },
          { key: 'changeHi', label: 'CI hi', num: true, fmt: signedPct },
          {
            key: 'p',
            label: 'p',
            num: true,
            fmt: function (v) {
              return v === null || v === undefined ? '' : v < 1e-4 ? '<0.0001' : num(v, 4);
            },
          },
          {
            key: 'test',
            label: 'test',
            fmt: function (v, r) {
              return v ? v + ' on ' + r.nA + '+' + r.nB + ' ' + r.units : '';
            },
          },
          {
            key: 'noiseA',
            label: 'noise A',
            num: true,
            fmt: function (v) {
              return pct(v);
            },
          },
          {
            key: 'noiseB',
            label: 'noise B',
            num: true,
            fmt: function (v) {
              return pct(v);
            },
          },
          {
            key: 'notes',
            label: 'notes',
            fmt: function (v) {
              return v.join('; ');
            },
            sortValue: function (r) {
              return r.notes.join('; ');
            },
          },
        ],
        c.rows,
        {
          id: 'compare',
          rowClass: function (r) {
            return r.status === 'regression' || r.status === 'improvement' ? r.status : null;
          },
        },
      ),
    );
  }

  /* ---------- page ---------- */
  function show(name) {
    if (SECTIONS.indexOf(name) < 0) name = 'overview';
    SECTIONS.forEach(function (s) {
      document.getElementById(s).hidden = s !== name;
      var b = document.querySelector('nav button[data-tab="' + s + '"]');
      if (b) b.setAttribute('aria-selected', s === name ? 'true' : 'false');
    });
    (pending[name] || []).forEach(function (f) {
      f();
    });
    rendered[name] = true;
    return name;
  }

  function build() {
    var footer = document.getElementById('footer');
    if (problems.length || !data) {
      var ov = document.getElementById('overview');
      problems.forEach(function (p) {
        ov.appendChild(el('p', { cls: 'problem', text: p }));
      });
      ov.hidden = false;
      if (!data) return;
    }
    var a = data.analysis;
    document.getElementById('subtitle').textContent =
      a.runs.length +
      ' run' +
      (a.runs.length === 1 ? '' : 's') +
      ' · ' +
      data.generatedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC') +
      ' · mnv4-bench ' +
      data.tool.version;
    var legend = document.getElementById('legend');
    append(legend, [
      'Series: ',
      badge('measured'),
      ' on this tool\u2019s protocol, ',
      badge('simulated'),
      ' by a device model, ',
      badge('published'),
      ' from a paper (cited). They are never merged.',
    ]);
    renderOverview(document.getElementById('overview'), a);
    renderPareto(document.getElementById('pareto'), a);
    renderModels(document.getElementById('models'), a);
    renderBlocks(document.getElementById('blocks'), a);
    renderOps(document.getElementById('ops'), a);
    renderLut(document.getElementById('lut'), data.lut);
    renderCompare(document.getElementById('compare'), data.compare);
    footer.textContent =
      'Built by mnv4-bench ' +
      data.tool.version +
      ' from ' +
      a.runs.length +
      ' run(s). Accuracy and Table 6 latencies: ' +
      a.citation +
      '. Charts: Chart.js (MIT).';
    Array.prototype.forEach.call(document.querySelectorAll('nav button[data-tab]'), function (b) {
      b.addEventListener('click', function () {
        var name = show(b.getAttribute('data-tab'));
        if (location.hash !== '#' + name) history.replaceState(null, '', '#' + name);
      });
    });
    window.addEventListener('hashchange', function () {
      show(location.hash.slice(1));
    });
    show(location.hash.slice(1) || 'overview');
  }

  build();

  window.mnv4Dashboard = {
    show: show,
    /** creates every chart (each section is shown in turn so its canvases have a size), then returns to `back`. */
    renderAll: function (back) {
      SECTIONS.forEach(function (s) {
        show(s);
      });
      show(back || 'overview');
      return Object.keys(charts);
    },
    charts: charts,
    chartIds: function () {
      return Object.keys(charts);
    },
    /** PNG data URL of a drawn chart, with its title drawn in (for papers; the page shows it as a heading). */
    pngOf: function (id) {
      var c = charts[id];
      if (!c) return null;
      var title = c.canvas.getAttribute('aria-label') || '';
      c.options.plugins.title = { display: true, text: title, font: { size: 14, weight: 'bold' }, padding: { top: 4, bottom: 8 } };
      c.update('none');
      var url = c.toBase64Image('image/png');
      c.options.plugins.title = { display: false };
      c.update('none');
      return url;
    },
    /** ms from navigation start until the first section was drawn (bench/dashboard-load.ts reads it). */
    readyMs: performance.now(),
  };
})();
