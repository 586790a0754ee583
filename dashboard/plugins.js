/* Chart.js plugins of the mnv4-bench dashboard (classic script: file:// pages cannot load modules).
 *
 * mnv4ErrorBars: draws a confidence interval on each element of a dataset that has one:
 *   - bar datasets: `dataset.errorBars[i] = {lo, hi}` in value-axis units (null = none);
 *   - scatter datasets: `data[i].xLo / xHi` (horizontal) and/or `data[i].yLo / yHi` (vertical).
 * mnv4PointLabels: writes `data[i].label` beside each point of datasets with `pointLabels: true`, offset by
 *   `dataset.pointLabelOffset` ({x, y} px; default 7 right, 7 up).
 * mnv4Background: paints the canvas white before drawing, so exported PNGs are not transparent.
 */
(function () {
  'use strict';
  if (typeof Chart === 'undefined') return;

  function line(ctx, x1, y1, x2, y2) {
    ctx.beginPath();
    ctx.moveTo(x1, y1);
    ctx.lineTo(x2, y2);
    ctx.stroke();
  }
  function finite(v) {
    return typeof v === 'number' && isFinite(v);
  }

  var errorBars = {
    id: 'mnv4ErrorBars',
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx;
      var horizontalBars = chart.options.indexAxis === 'y';
      chart.data.datasets.forEach(function (ds, di) {
        if (!chart.isDatasetVisible(di)) return;
        var meta = chart.getDatasetMeta(di);
        var xScale = chart.scales[meta.xAxisID];
        var yScale = chart.scales[meta.yAxisID];
        ctx.save();
        ctx.strokeStyle = ds.errorBarColor || '#222';
        ctx.lineWidth = 1.2;
        meta.data.forEach(function (el, i) {
          var cap = 4;
          if (Array.isArray(ds.errorBars)) {
            var e = ds.errorBars[i];
            if (!e || !finite(e.lo) || !finite(e.hi)) return;
            if (horizontalBars) {
              var x1 = xScale.getPixelForValue(e.lo),
                x2 = xScale.getPixelForValue(e.hi);
              line(ctx, x1, el.y, x2, el.y);
              line(ctx, x1, el.y - cap, x1, el.y + cap);
              line(ctx, x2, el.y - cap, x2, el.y + cap);
            } else {
              var y1 = yScale.getPixelForValue(e.lo),
                y2 = yScale.getPixelForValue(e.hi);
              line(ctx, el.x, y1, el.x, y2);
              line(ctx, el.x - cap, y1, el.x + cap, y1);
              line(ctx, el.x - cap, y2, el.x + cap, y2);
            }
            return;
          }
          var d = ds.data[i];
          if (!d || typeof d !== 'object') return;
          if (finite(d.xLo) && finite(d.xHi)) {
            var a = xScale.getPixelForValue(d.xLo),
              b = xScale.getPixelForValue(d.xHi);
            line(ctx, a, el.y, b, el.y);
            line(ctx, a, el.y - cap, a, el.y + cap);
            line(ctx, b, el.y - cap, b, el.y + cap);
          }
          if (finite(d.yLo) && finite(d.yHi)) {
            var c = yScale.getPixelForValue(d.yLo),
              f = yScale.getPixelForValue(d.yHi);
            line(ctx, el.x, c, el.x, f);
            line(ctx, el.x - cap, c, el.x + cap, c);
            line(ctx, el.x - cap, f, el.x + cap, f);
          }
        });
        ctx.restore();
      });
    },
  };

  var pointLabels = {
    id: 'mnv4PointLabels',
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx;
      chart.data.datasets.forEach(function (ds, di) {
        if (!ds.pointLabels || !chart.isDatasetVisible(di)) return;
        var meta = chart.getDatasetMeta(di);
        ctx.save();
        ctx.font = '10px system-ui, sans-serif';
        ctx.fillStyle = ds.pointLabelColor || '#333';
        ctx.textBaseline = 'middle';
        var off = ds.pointLabelOffset || { x: 7, y: -7 };
        meta.data.forEach(function (el, i) {
          var d = ds.data[i];
          if (!d || typeof d.label !== 'string') return;
          ctx.fillText(d.label, el.x + off.x, el.y + off.y);
        });
        ctx.restore();
      });
    },
  };

  var background = {
    id: 'mnv4Background',
    beforeDraw: function (chart) {
      var ctx = chart.ctx;
      ctx.save();
      ctx.globalCompositeOperation = 'destination-over';
      ctx.fillStyle = '#ffffff';
      ctx.fillRect(0, 0, chart.width, chart.height);
      ctx.restore();
    },
  };

  Chart.register(errorBars, pointLabels, background);
})();
