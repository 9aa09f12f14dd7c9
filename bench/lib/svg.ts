/**
 * A tiny SVG line-chart writer (no dependencies): panels side by side, each
 * with a categorical x axis (the offered loads), a linear or log y axis, and
 * one polyline per series. Enough for the benchmark report, nothing more.
 */
export interface Series {
  name: string;
  color: string;
  dashed?: boolean;
  /** One value per category; null where there is no figure. */
  values: (number | null)[];
}

export interface Panel {
  title: string;
  yLabel: string;
  log?: boolean;
  series: Series[];
}

const W = 460;
const H = 320;
// The right margin leaves room for half of the last category's label ("saturation"), centred on the last tick.
const M = { top: 34, right: 34, bottom: 46, left: 62 };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (n: number) =>
  n >= 10_000
    ? `${Math.round(n / 1000)}k`
    : n >= 1000
      ? `${(n / 1000).toFixed(1)}k`
      : n >= 10
        ? n.toFixed(0)
        : String(n);

function ticks(min: number, max: number, log: boolean): number[] {
  if (log) {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e += 1) out.push(10 ** e);
    return out;
  }
  const step = 10 ** Math.floor(Math.log10(max / 4 || 1));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => max / s <= 6) ?? step * 10;
  return Array.from({ length: Math.floor(max / nice) + 1 }, (_, i) => i * nice);
}

function panel(p: Panel, categories: string[], x0: number): string {
  const values = p.series.flatMap((s) => s.values.filter((v): v is number => v !== null && v > 0));
  const rawMax = Math.max(1, ...values);
  const rawMin = p.log ? Math.max(0.1, Math.min(...values, rawMax)) : 0;
  const t = ticks(rawMin, rawMax * (p.log ? 1 : 1.05), Boolean(p.log));
  const lo = p.log ? t[0] : 0;
  const hi = Math.max(t[t.length - 1], p.log ? 10 : rawMax);
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const x = (i: number) => x0 + M.left + (categories.length === 1 ? pw / 2 : (i * pw) / (categories.length - 1));
  const y = (v: number) =>
    M.top +
    ph -
    (p.log ? ((Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * ph : ((v - lo) / (hi - lo)) * ph);
  const out: string[] = [];
  out.push(`<text x="${x0 + W / 2}" y="20" text-anchor="middle" font-weight="bold">${esc(p.title)}</text>`);
  for (const v of t) {
    out.push(
      `<line x1="${x0 + M.left}" x2="${x0 + W - M.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#ddd"/>`,
      `<text x="${x0 + M.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${fmt(v)}</text>`,
    );
  }
  categories.forEach((c, i) =>
    out.push(`<text x="${x(i).toFixed(1)}" y="${H - M.bottom + 18}" text-anchor="middle">${esc(c)}</text>`),
  );
  out.push(
    `<text x="${x0 + M.left + pw / 2}" y="${H - 8}" text-anchor="middle">offered load (commands/s)</text>`,
    `<text transform="translate(${x0 + 14},${M.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(p.yLabel)}</text>`,
    `<rect x="${x0 + M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`,
  );
  for (const s of p.series) {
    const pts = s.values
      .map((v, i) => (v !== null && v > 0 ? `${x(i).toFixed(1)},${y(Math.max(v, lo)).toFixed(1)}` : null))
      .filter((v): v is string => v !== null);
    if (pts.length === 0) continue;
    const dash = s.dashed ? ' stroke-dasharray="5,4"' : '';
    out.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`);
    for (const pt of pts) {
      const [px, py] = pt.split(',');
      out.push(`<circle cx="${px}" cy="${py}" r="3" fill="${s.color}"/>`);
    }
  }
  return out.join('\n');
}

/** Panels in a row, one shared legend below them. */
export function lineChart(panels: Panel[], categories: string[], legend: Series[]): string {
  const width = W * panels.length;
  const legendRows = Math.ceil(legend.length / 4);
  const height = H + 12 + legendRows * 20;
  const body = panels.map((p, i) => panel(p, categories, i * W));
  const items = legend.map((s, i) => {
    const lx = 20 + (i % 4) * (width / 4);
    const ly = H + 16 + Math.floor(i / 4) * 20;
    const dash = s.dashed ? ' stroke-dasharray="5,4"' : '';
    return (
      `<line x1="${lx}" x2="${lx + 26}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"${dash}/>` +
      `<text x="${lx + 32}" y="${ly + 4}">${esc(s.name)}</text>`
    );
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...body,
    ...items,
    '</svg>',
    '',
  ].join('\n');
}
