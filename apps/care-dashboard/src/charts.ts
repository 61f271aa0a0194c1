import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { el, formatDateTime, severityOf } from './format';

export interface SeriesDef {
  label: string;
  color: string;
  /** Points as [epoch ms, value], in time order. */
  points: [number, number][];
  dash?: number[];
  /** In the table and the text summary, not drawn (a yes/no beside 0-4 scores). */
  tableOnly?: boolean;
}

export interface AlertMark {
  at: number;
  severity: string;
  text: string;
}

export interface ChartDef {
  id: string;
  title: string;
  unit: string;
  series: SeriesDef[];
  /** The visible period (epoch ms): every chart of the page shares it. */
  from: number;
  to: number;
  /** Fixed y range, or a floor/ceiling the axis always includes. */
  yFixed?: [number, number];
  yInclude?: number[];
  decimals?: number;
  alerts: AlertMark[];
  /** Extra table columns per point time (e.g. the risk level and its reasons). */
  extraColumns?: { header: string; value: (t: number) => string }[];
  /** Horizontal, labelled threshold lines (drawn dashed, in grey, and listed in the text summary). */
  refLines?: { value: number; label: string }[];
  /** Labelled y-axis values instead of numbers. */
  yTicks?: { value: number; label: string }[];
  /** A value in words (series index, value), where numbers would not say it; else the number with `decimals`. */
  format?: (series: number, v: number) => string | undefined;
  /** Sentences under the chart (e.g. when chest pain was reported: a yes/no has no line). */
  notes?: string[];
}

const SEVERITY_COLOUR: Record<string, string> = { critical: '#a3001b', high: '#b34700', medium: '#7a5c00' };

/** Vertical dashed lines at the alerts' times, with the severity's shape on top: drawn by uPlot's draw hook. */
function alertMarkers(marks: AlertMark[]): uPlot.Plugin {
  return {
    hooks: {
      draw: (u: uPlot) => {
        const { ctx, bbox } = u;
        const px = window.devicePixelRatio || 1;
        ctx.save();
        ctx.lineWidth = 1.5 * px;
        ctx.setLineDash([5 * px, 4 * px]);
        ctx.font = `${12 * px}px system-ui, sans-serif`;
        ctx.textAlign = 'center';
        ctx.textBaseline = 'top';
        for (const m of marks) {
          const x = Math.round(u.valToPos(m.at / 1000, 'x', true));
          if (x < bbox.left || x > bbox.left + bbox.width) continue;
          const colour = SEVERITY_COLOUR[m.severity] ?? '#444';
          ctx.strokeStyle = colour;
          ctx.fillStyle = colour;
          ctx.beginPath();
          ctx.moveTo(x, bbox.top + 14 * px);
          ctx.lineTo(x, bbox.top + bbox.height);
          ctx.stroke();
          ctx.fillText(severityOf(m.severity).icon, x, bbox.top);
        }
        ctx.restore();
      },
    },
  };
}

/** The thresholds as dashed grey lines, labelled at the left edge of the plot. */
function referenceLines(lines: { value: number; label: string }[]): uPlot.Plugin {
  return {
    hooks: {
      drawAxes: (u: uPlot) => {
        const { ctx, bbox } = u;
        const px = window.devicePixelRatio || 1;
        ctx.save();
        ctx.strokeStyle = '#6b7280';
        ctx.fillStyle = '#374151';
        ctx.lineWidth = 1 * px;
        ctx.setLineDash([3 * px, 3 * px]);
        ctx.font = `${11 * px}px system-ui, sans-serif`;
        ctx.textAlign = 'left';
        ctx.textBaseline = 'bottom';
        // Top down, each label above its line; one that would touch the line (or label) above goes below its own line.
        let used = -Infinity;
        const placed = lines.map((l) => ({ l, y: Math.round(u.valToPos(l.value, 'y', true)) })).sort((a, b) => a.y - b.y);
        for (const { l, y } of placed) {
          if (y < bbox.top || y > bbox.top + bbox.height) continue;
          ctx.beginPath();
          ctx.moveTo(bbox.left, y);
          ctx.lineTo(bbox.left + bbox.width, y);
          ctx.stroke();
          const below = y - 14 * px < used + px;
          ctx.textBaseline = below ? 'top' : 'bottom';
          ctx.fillText(l.label, bbox.left + 4 * px, below ? y + 2 * px : y - 2 * px);
          used = below ? y + 14 * px : y;
        }
        ctx.restore();
      },
    },
  };
}

function rangeOf(def: ChartDef): uPlot.Range.Function {
  return (_u, min, max) => {
    if (def.yFixed) return def.yFixed;
    let lo = min;
    let hi = max;
    if (lo === null || hi === null || !Number.isFinite(lo) || !Number.isFinite(hi)) {
      lo = def.yInclude?.[0] ?? 0;
      hi = def.yInclude?.[def.yInclude.length - 1] ?? 1;
    }
    for (const v of [...(def.yInclude ?? []), ...(def.refLines ?? []).map((l) => l.value)]) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const pad = Math.max((hi - lo) * 0.1, 1);
    return [Math.floor(lo - pad), Math.ceil(hi + pad)];
  };
}

/** Aligned uPlot data: the union of the series' times (seconds), null where a series has no point. */
function aligned(series: SeriesDef[]): { xs: number[]; data: uPlot.AlignedData } {
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const ys = series.map((s) => {
    const col: (number | null)[] = new Array<number | null>(xs.length).fill(null);
    for (const [t, v] of s.points) col[index.get(t) as number] = v;
    return col;
  });
  return { xs, data: [xs.map((x) => x / 1000), ...ys] as uPlot.AlignedData };
}

function fmt(v: number | null | undefined, decimals: number): string {
  return v === null || v === undefined ? '–' : v.toFixed(decimals);
}

export interface RenderedChart {
  figure: HTMLElement;
  destroy(): void;
}

/**
 * A figure: the chart (uPlot, canvas), a text summary for screen readers, and the same readings
 * as a table (for keyboard and screen reader users, and for anyone who wants the numbers).
 */
export function renderChart(def: ChartDef): RenderedChart {
  const { xs, data } = aligned(def.series);
  const drawn = def.series.map((s, i) => ({ s, i })).filter(({ s }) => !s.tableOnly);
  const plotData = [data[0], ...drawn.map(({ i }) => data[i + 1])] as uPlot.AlignedData;
  const decimals = def.decimals ?? 0;
  const show = (si: number, v: number | null | undefined) => (v === null || v === undefined ? '–' : (def.format?.(si, v) ?? fmt(v, decimals)));
  const total = def.series.reduce((n, s) => n + s.points.length, 0);
  const plot = el('div', { class: 'chart-plot', role: 'img', 'data-points': String(total) });
  const summaryParts: string[] = [];
  for (const [si, s] of def.series.entries()) {
    if (!s.points.length) continue;
    const vals = s.points.map((p) => p[1]);
    const last = s.points[s.points.length - 1];
    summaryParts.push(
      `${s.label}: ${s.points.length} reading${s.points.length === 1 ? '' : 's'} from ${show(si, Math.min(...vals))} to ${show(si, Math.max(...vals))} ${def.unit}, latest ${show(si, last[1])} on ${formatDateTime(last[0])}`,
    );
  }
  if (def.refLines?.length) summaryParts.push(`Reference lines at ${def.refLines.map((l) => l.label).join('; ')}`);
  const alertsInRange = def.alerts.filter((a) => a.at >= def.from && a.at <= def.to);
  plot.setAttribute(
    'aria-label',
    `${def.title} chart. ${summaryParts.length ? summaryParts.join('. ') : 'No readings in this period'}. ${alertsInRange.length} alert${alertsInRange.length === 1 ? '' : 's'} marked.`,
  );

  const table = el(
    'table',
    { class: 'data-table' },
    el('caption', { class: 'visually-hidden' }, `${def.title} readings`),
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        el('th', { scope: 'col' }, 'Time'),
        ...def.series.map((s) => el('th', { scope: 'col' }, def.yTicks ? s.label : `${s.label} (${def.unit})`)),
        ...(def.extraColumns ?? []).map((c) => el('th', { scope: 'col' }, c.header)),
      ),
    ),
    el(
      'tbody',
      {},
      ...[...xs].reverse().map((t) => {
        const i = xs.indexOf(t);
        return el(
          'tr',
          { 'data-time': new Date(t).toISOString() },
          el('th', { scope: 'row' }, formatDateTime(t)),
          ...def.series.map((_s, si) => el('td', {}, show(si, (data[si + 1] as (number | null)[])[i]))),
          ...(def.extraColumns ?? []).map((c) => el('td', {}, c.value(t))),
        );
      }),
    ),
  );
  const details = el('details', { class: 'chart-table' }, el('summary', {}, `Show the ${xs.length} reading${xs.length === 1 ? '' : 's'} as a table`), table);

  const figure = el(
    'figure',
    { class: 'chart', id: `chart-${def.id}`, 'data-chart': def.id, 'data-points': String(total) },
    el('figcaption', {}, el('h3', {}, def.title), el('span', { class: 'unit' }, def.unit)),
    plot,
    total === 0 ? el('p', { class: 'empty' }, 'No readings in this period.') : null,
    ...(def.notes ?? []).map((n) => el('p', { class: 'chart-note' }, n)),
    total === 0 ? null : details,
  );

  let chart: uPlot | null = null;
  const ticks = def.yTicks;
  const opts: uPlot.Options = {
    width: 600,
    height: 220,
    series: [
      { label: 'Time', value: (_u, v) => (v === null ? '–' : formatDateTime(v * 1000)) },
      ...drawn.map(({ s, i: si }): uPlot.Series => ({
        label: s.label,
        stroke: s.color,
        width: 2,
        dash: s.dash,
        spanGaps: true,
        points: { show: true, size: 7, fill: s.color },
        value: (_u, v) => (v === null ? '–' : def.yTicks ? show(si, v) : `${show(si, v)} ${def.unit}`),
      })),
    ],
    scales: {
      x: { time: true, range: () => [def.from / 1000, def.to / 1000] },
      y: { range: rangeOf(def) },
    },
    axes: [
      { stroke: '#333', grid: { stroke: '#e3e3e3' } },
      ticks
        ? { stroke: '#333', grid: { stroke: '#e3e3e3' }, size: 60, splits: () => ticks.map((t) => t.value), values: () => ticks.map((t) => t.label) }
        : { stroke: '#333', grid: { stroke: '#e3e3e3' }, size: 50 },
    ],
    cursor: { drag: { x: false, y: false } },
    legend: { show: true, live: true },
    plugins: [referenceLines(def.refLines ?? []), alertMarkers(def.alerts)],
  };

  const ro = new ResizeObserver(() => {
    const w = Math.floor(plot.clientWidth);
    if (w <= 0) return;
    if (!chart) {
      chart = new uPlot({ ...opts, width: w }, plotData, plot);
      plot.dataset['rendered'] = 'true';
    } else if (Math.abs(chart.width - w) > 1) chart.setSize({ width: w, height: opts.height });
  });
  ro.observe(plot);

  return {
    figure,
    destroy() {
      ro.disconnect();
      chart?.destroy();
      chart = null;
    },
  };
}
