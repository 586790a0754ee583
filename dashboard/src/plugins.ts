/**
 * Chart.js plugins of the dashboard, bundled on their own into plugins.js (a classic script after Chart.js's
 * UMD build: file:// pages cannot load modules). They read the extra dataset fields of `Mnv4DatasetExtras`:
 *
 * mnv4ErrorBars: draws a confidence interval on each element of a dataset that has one:
 *   - bar datasets: `dataset.errorBars[i] = {lo, hi}` in value-axis units (null = none);
 *   - scatter datasets: `data[i].xLo / xHi` (horizontal) and/or `data[i].yLo / yHi` (vertical).
 * mnv4PointLabels: writes `data[i].label` beside each point of datasets with `pointLabels: true`, offset by
 *   `dataset.pointLabelOffset` ({x, y} px; default 7 right, 7 up).
 * mnv4Background: paints the canvas white before drawing, so exported PNGs are not transparent.
 */
import type { Chart, Plugin } from 'chart.js';

declare global {
  interface Window {
    /** Chart.js's UMD build (chart.umd.min.js, loaded before the dashboard's scripts). */
    Chart?: typeof Chart;
  }
}

/** Fields the dashboard's plugins and legend read from a dataset, beside Chart.js's own. */
export interface Mnv4DatasetExtras {
  /** per element: CI in value-axis units (bar charts), null where there is none. */
  errorBars?: ({ lo: number; hi: number } | null)[];
  errorBarColor?: string;
  /** write each point's `label` beside it. */
  pointLabels?: boolean;
  pointLabelColor?: string;
  pointLabelOffset?: { x: number; y: number };
  /** legend swatch colours (per-point colours would give the first point's). */
  legendFill?: string;
  legendStroke?: string;
  /** per element: the block's name (tooltip of the block charts). */
  blockNames?: string[];
}

/** A scatter point with the optional fields the plugins read. */
export interface Mnv4Point {
  x: number;
  y: number;
  xLo?: number | null;
  xHi?: number | null;
  yLo?: number | null;
  yHi?: number | null;
  label?: string | null;
}

type Ctx = CanvasRenderingContext2D;
const finite = (v: unknown): v is number => typeof v === 'number' && isFinite(v);

function line(ctx: Ctx, x1: number, y1: number, x2: number, y2: number): void {
  ctx.beginPath();
  ctx.moveTo(x1, y1);
  ctx.lineTo(x2, y2);
  ctx.stroke();
}

/** A bar from a to b across, capped at both ends; `horizontal`: a and b are x pixels at height `at`. */
function capped(ctx: Ctx, horizontal: boolean, a: number, b: number, at: number, cap = 4): void {
  if (horizontal) {
    line(ctx, a, at, b, at);
    line(ctx, a, at - cap, a, at + cap);
    line(ctx, b, at - cap, b, at + cap);
  } else {
    line(ctx, at, a, at, b);
    line(ctx, at - cap, a, at + cap, a);
    line(ctx, at - cap, b, at + cap, b);
  }
}

const datasetsOf = (chart: Chart): (Mnv4DatasetExtras & { data: unknown[] })[] =>
  chart.data.datasets as unknown as (Mnv4DatasetExtras & { data: unknown[] })[];

export const errorBars: Plugin = {
  id: 'mnv4ErrorBars',
  afterDatasetsDraw(chart) {
    const ctx = chart.ctx;
    const horizontalBars = chart.options.indexAxis === 'y';
    datasetsOf(chart).forEach((ds, di) => {
      if (!chart.isDatasetVisible(di)) return;
      const meta = chart.getDatasetMeta(di);
      const xScale = chart.scales[meta.xAxisID ?? 'x']!;
      const yScale = chart.scales[meta.yAxisID ?? 'y']!;
      ctx.save();
      ctx.strokeStyle = ds.errorBarColor || '#222';
      ctx.lineWidth = 1.2;
      meta.data.forEach((elem, i) => {
        if (Array.isArray(ds.errorBars)) {
          const e = ds.errorBars[i];
          if (!e || !finite(e.lo) || !finite(e.hi)) return;
          if (horizontalBars) capped(ctx, true, xScale.getPixelForValue(e.lo), xScale.getPixelForValue(e.hi), elem.y);
          else capped(ctx, false, yScale.getPixelForValue(e.lo), yScale.getPixelForValue(e.hi), elem.x);
          return;
        }
        const d = ds.data[i] as Mnv4Point | null | undefined;
        if (!d || typeof d !== 'object') return;
        if (finite(d.xLo) && finite(d.xHi)) capped(ctx, true, xScale.getPixelForValue(d.xLo), xScale.getPixelForValue(d.xHi), elem.y);
        if (finite(d.yLo) && finite(d.yHi)) capped(ctx, false, yScale.getPixelForValue(d.yLo), yScale.getPixelForValue(d.yHi), elem.x);
      });
      ctx.restore();
    });
  },
};

export const pointLabels: Plugin = {
  id: 'mnv4PointLabels',
  afterDatasetsDraw(chart) {
    const ctx = chart.ctx;
    datasetsOf(chart).forEach((ds, di) => {
      if (!ds.pointLabels || !chart.isDatasetVisible(di)) return;
      const meta = chart.getDatasetMeta(di);
      ctx.save();
      ctx.font = '10px system-ui, sans-serif';
      ctx.fillStyle = ds.pointLabelColor || '#333';
      ctx.textBaseline = 'middle';
      const off = ds.pointLabelOffset || { x: 7, y: -7 };
      meta.data.forEach((elem, i) => {
        const d = ds.data[i] as Mnv4Point | null | undefined;
        if (!d || typeof d.label !== 'string') return;
        ctx.fillText(d.label, elem.x + off.x, elem.y + off.y);
      });
      ctx.restore();
    });
  },
};

export const background: Plugin = {
  id: 'mnv4Background',
  beforeDraw(chart) {
    const ctx = chart.ctx;
    ctx.save();
    ctx.globalCompositeOperation = 'destination-over';
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, chart.width, chart.height);
    ctx.restore();
  },
};

// plugins.js runs this on load; the page reports a missing Chart.js itself.
window.Chart?.register(errorBars, pointLabels, background);
