import uPlot from 'uplot';
import { h, replace } from '../dom';
import { Point } from '../lib/metrics';
import { sampler, SAMPLE_INTERVAL_MS } from '../metrics-sampler';
import { header, View } from '../ui';

interface SeriesSpec {
  label: string;
  colour: string;
  value(p: Point): number | null;
}

interface ChartSpec {
  title: string;
  unit: string;
  testid: string;
  series: SeriesSpec[];
}

const CHARTS: ChartSpec[] = [
  {
    title: 'Throughput',
    unit: 'per second',
    testid: 'chart-throughput',
    series: [
      { label: 'commands submitted/s', colour: '#2563eb', value: (p) => p.submittedPerSec },
      { label: 'API requests/s', colour: '#0d9488', value: (p) => p.requestsPerSec },
      { label: '5xx/s', colour: '#dc2626', value: (p) => p.errorsPerSec },
    ],
  },
  {
    title: 'API latency',
    unit: 'milliseconds',
    testid: 'chart-latency',
    series: [
      { label: 'p50', colour: '#16a34a', value: (p) => p.p50Ms },
      { label: 'p95', colour: '#d97706', value: (p) => p.p95Ms },
      { label: 'p99', colour: '#dc2626', value: (p) => p.p99Ms },
    ],
  },
  {
    title: 'Gateway event loop',
    unit: 'p99 delay, ms',
    testid: 'chart-event-loop',
    series: [{ label: 'event loop lag p99', colour: '#7c3aed', value: (p) => p.eventLoopLagMs }],
  },
];

function fmt(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined ? '—' : value.toFixed(digits);
}

/**
 * Line charts of the gateway's own metrics, sampled by the page every 2 s
 * (see metrics-sampler.ts): throughput from counters, latency quantiles from
 * the request-duration histogram, event loop delay from a gauge.
 */
export function chartsView(): View {
  const stats = h('div', { class: 'stat-row', testid: 'chart-stats' });
  const status = h('p', { class: 'muted small' });
  const grid = h('div', { class: 'chart-grid' });
  const el = h(
    'section',
    null,
    header('Charts'),
    h(
      'p',
      { class: 'intro muted' },
      `From the gateway's /metrics, sampled every ${SAMPLE_INTERVAL_MS / 1_000} s by this page while it is open; API requests are routes under /v1, event streams excluded.`,
    ),
    stats,
    grid,
    status,
  );
  const plots: { spec: ChartSpec; plot: uPlot; box: HTMLElement }[] = [];
  for (const spec of CHARTS) {
    const box = h('div', { class: 'chart-box' });
    grid.appendChild(
      h(
        'div',
        { class: 'panel chart', testid: spec.testid },
        h('h2', null, spec.title, h('span', { class: 'muted small' }, ` ${spec.unit}`)),
        box,
      ),
    );
    const plot = new uPlot(
      {
        width: 600,
        height: 220,
        legend: { live: false },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true }, y: { range: (_u, min, max) => [0, Math.max(max ?? 1, min ?? 0, 1e-3) * 1.1] } },
        axes: [
          { stroke: '#64748b', grid: { stroke: '#eef2f7' }, ticks: { stroke: '#e2e8f0' } },
          { stroke: '#64748b', grid: { stroke: '#eef2f7' }, ticks: { stroke: '#e2e8f0' }, size: 56 },
        ],
        series: [
          {},
          ...spec.series.map((s) => ({
            label: s.label,
            stroke: s.colour,
            width: 2,
            spanGaps: false,
            points: { show: false },
          })),
        ],
      },
      [[], ...spec.series.map(() => [])],
      box,
    );
    plots.push({ spec, plot, box });
  }

  const resize = () => {
    for (const { plot, box } of plots) {
      const width = Math.max(box.clientWidth, 240);
      if (plot.width !== width) plot.setSize({ width, height: 220 });
    }
  };
  const observer = new ResizeObserver(resize);
  observer.observe(grid);

  const draw = (points: readonly Point[]) => {
    const xs = points.map((p) => p.at / 1_000);
    for (const { spec, plot } of plots) {
      plot.setData([xs, ...spec.series.map((s) => points.map((p) => s.value(p)))] as uPlot.AlignedData);
    }
    const last = points[points.length - 1];
    const window = points.slice(-30);
    const submitted = window.reduce((sum, p) => sum + p.submittedPerSec, 0) / Math.max(window.length, 1);
    replace(
      stats,
      stat('commands/s', fmt(last?.submittedPerSec), 'now'),
      stat('commands/s', fmt(submitted), 'last minute, mean'),
      stat('requests/s', fmt(last?.requestsPerSec), 'now'),
      stat('p95 latency', `${fmt(last?.p95Ms)} ms`, 'last interval'),
      stat('5xx/s', fmt(last?.errorsPerSec, 2), 'now'),
    );
    replace(status, sampler.error ? `sampling failed: ${sampler.error}` : `${points.length} samples`);
    resize();
  };
  const unsubscribe = sampler.subscribe(draw);

  return {
    el,
    dispose: () => {
      unsubscribe();
      observer.disconnect();
      for (const { plot } of plots) plot.destroy();
    },
  };
}

function stat(label: string, value: string, hint: string) {
  return h(
    'div',
    { class: 'stat' },
    h('div', { class: 'stat-value' }, value),
    h('div', { class: 'stat-label' }, label),
    h('div', { class: 'muted small' }, hint),
  );
}
