/**
 * Hand-written SVG charts for bench/results.md (no dependencies). Every function is pure: data in,
 * a complete standalone `<svg>` document out. Bars are `<rect class="bar">`, series are
 * `<polyline class="series">`, so tests can count them.
 */
import type { HistogramBin } from './stats';

const WIDTH = 640;
const HEIGHT = 360;
const MARGIN = { top: 40, right: 20, bottom: 70, left: 70 };
const PALETTE = ['#2f6db5', '#d9822b', '#3a9e5c', '#b5412f', '#7a52a8'];

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function fmt(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** A "nice" upper bound for an axis: 1, 2 or 5 × a power of ten, at least `max`. */
export function niceCeiling(max: number): number {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

function frame(title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect x="0" y="0" width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

interface Scale {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

const PLOT: Scale = { x0: MARGIN.left, x1: WIDTH - MARGIN.right, y0: HEIGHT - MARGIN.bottom, y1: MARGIN.top };

function yAxis(maxValue: number, unit: string): string[] {
  const lines: string[] = [`<line x1="${PLOT.x0}" y1="${PLOT.y0}" x2="${PLOT.x0}" y2="${PLOT.y1}" stroke="#333"/>`];
  for (let i = 0; i <= 4; i++) {
    const value = (maxValue * i) / 4;
    const y = PLOT.y0 - ((PLOT.y0 - PLOT.y1) * i) / 4;
    lines.push(`<line x1="${PLOT.x0}" y1="${y}" x2="${PLOT.x1}" y2="${y}" stroke="#e5e5e5"/>`);
    lines.push(`<text x="${PLOT.x0 - 6}" y="${y + 4}" text-anchor="end">${escapeXml(fmt(value))}</text>`);
  }
  lines.push(
    `<text transform="translate(16 ${(PLOT.y0 + PLOT.y1) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(unit)}</text>`,
    `<line x1="${PLOT.x0}" y1="${PLOT.y0}" x2="${PLOT.x1}" y2="${PLOT.y0}" stroke="#333"/>`,
  );
  return lines;
}

export interface Bar {
  label: string;
  value: number;
}

export interface BarChartInput {
  title: string;
  unit: string;
  bars: readonly Bar[];
  /** A horizontal line, e.g. a target. */
  threshold?: { value: number; label: string };
}

/** One bar per entry; bars above the threshold are drawn in red. */
export function barChart(input: BarChartInput): string {
  const maxValue = niceCeiling(Math.max(...input.bars.map((bar) => bar.value), input.threshold?.value ?? 0));
  const y = (value: number) => PLOT.y0 - ((PLOT.y0 - PLOT.y1) * value) / maxValue;
  const slot = (PLOT.x1 - PLOT.x0) / Math.max(1, input.bars.length);
  const body = yAxis(maxValue, input.unit);
  input.bars.forEach((bar, index) => {
    const x = PLOT.x0 + index * slot + slot * 0.15;
    const width = slot * 0.7;
    const over = input.threshold !== undefined && bar.value > input.threshold.value;
    const top = y(bar.value);
    body.push(
      `<rect class="bar" x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${width.toFixed(1)}" height="${(PLOT.y0 - top).toFixed(1)}" fill="${over ? '#c0504d' : PALETTE[0]}"><title>${escapeXml(`${bar.label}: ${fmt(bar.value)} ${input.unit}`)}</title></rect>`,
      `<text x="${(x + width / 2).toFixed(1)}" y="${(top - 4).toFixed(1)}" text-anchor="middle">${escapeXml(fmt(bar.value))}</text>`,
      `<text x="${(x + width / 2).toFixed(1)}" y="${PLOT.y0 + 16}" text-anchor="middle">${escapeXml(bar.label)}</text>`,
    );
  });
  if (input.threshold !== undefined) {
    const ty = y(input.threshold.value).toFixed(1);
    body.push(
      `<line class="threshold" x1="${PLOT.x0}" y1="${ty}" x2="${PLOT.x1}" y2="${ty}" stroke="#c0504d" stroke-dasharray="6 4"/>`,
      `<text x="${PLOT.x1}" y="${Number(ty) - 4}" text-anchor="end" fill="#c0504d">${escapeXml(input.threshold.label)}</text>`,
    );
  }
  return frame(input.title, body);
}

export interface HistogramChartInput {
  title: string;
  unit: string;
  bins: readonly HistogramBin[];
  /** Vertical lines, e.g. p50 / p90 / p99. */
  markers?: ReadonlyArray<{ label: string; value: number }>;
}

/** One bar per bin (x: the measured value, y: count), plus a dashed line per marker. */
export function histogramChart(input: HistogramChartInput): string {
  const bins = input.bins;
  const from = bins.length > 0 ? bins[0].from : 0;
  const to = bins.length > 0 ? Math.max(bins[bins.length - 1].to, from + 1) : 1;
  const maxCount = niceCeiling(Math.max(1, ...bins.map((bin) => bin.count)));
  const x = (value: number) => PLOT.x0 + ((PLOT.x1 - PLOT.x0) * (value - from)) / (to - from);
  const y = (count: number) => PLOT.y0 - ((PLOT.y0 - PLOT.y1) * count) / maxCount;
  const body = yAxis(maxCount, 'count');
  const barWidth = (PLOT.x1 - PLOT.x0) / Math.max(1, bins.length);
  bins.forEach((bin, index) => {
    const left = PLOT.x0 + index * barWidth;
    const top = y(bin.count);
    body.push(
      `<rect class="bar" x="${left.toFixed(1)}" y="${top.toFixed(1)}" width="${Math.max(0.5, barWidth - 1).toFixed(1)}" height="${(PLOT.y0 - top).toFixed(1)}" fill="${PALETTE[0]}"><title>${escapeXml(`${fmt(bin.from)}–${fmt(bin.to)} ${input.unit}: ${bin.count}`)}</title></rect>`,
    );
  });
  for (let i = 0; i <= 4; i++) {
    const value = from + ((to - from) * i) / 4;
    body.push(`<text x="${x(value).toFixed(1)}" y="${PLOT.y0 + 16}" text-anchor="middle">${escapeXml(fmt(value))}</text>`);
  }
  body.push(`<text x="${(PLOT.x0 + PLOT.x1) / 2}" y="${PLOT.y0 + 40}" text-anchor="middle">${escapeXml(input.unit)}</text>`);
  (input.markers ?? []).forEach((marker, index) => {
    const mx = x(marker.value).toFixed(1);
    const color = PALETTE[(index + 1) % PALETTE.length];
    body.push(
      `<line class="marker" x1="${mx}" y1="${PLOT.y0}" x2="${mx}" y2="${PLOT.y1}" stroke="${color}" stroke-dasharray="4 3"/>`,
      `<text x="${mx}" y="${PLOT.y1 + 12 + index * 14}" text-anchor="start" fill="${color}"> ${escapeXml(`${marker.label} ${fmt(marker.value)}`)}</text>`,
    );
  });
  return frame(input.title, body);
}

export interface CdfChartInput {
  title: string;
  unit: string;
  series: ReadonlyArray<{ name: string; values: readonly number[] }>;
}

/** Empirical CDFs: one polyline per series with one point per measured value. */
export function cdfChart(input: CdfChartInput): string {
  const all = input.series.flatMap((series) => [...series.values]);
  const maxValue = niceCeiling(all.length > 0 ? Math.max(...all) : 1);
  const x = (value: number) => PLOT.x0 + ((PLOT.x1 - PLOT.x0) * value) / maxValue;
  const y = (fraction: number) => PLOT.y0 - (PLOT.y0 - PLOT.y1) * fraction;
  const body = [`<line x1="${PLOT.x0}" y1="${PLOT.y0}" x2="${PLOT.x0}" y2="${PLOT.y1}" stroke="#333"/>`, `<line x1="${PLOT.x0}" y1="${PLOT.y0}" x2="${PLOT.x1}" y2="${PLOT.y0}" stroke="#333"/>`];
  for (let i = 0; i <= 4; i++) {
    const fraction = i / 4;
    body.push(
      `<line x1="${PLOT.x0}" y1="${y(fraction)}" x2="${PLOT.x1}" y2="${y(fraction)}" stroke="#e5e5e5"/>`,
      `<text x="${PLOT.x0 - 6}" y="${y(fraction) + 4}" text-anchor="end">${fraction * 100}%</text>`,
      `<text x="${x((maxValue * i) / 4).toFixed(1)}" y="${PLOT.y0 + 16}" text-anchor="middle">${escapeXml(fmt((maxValue * i) / 4))}</text>`,
    );
  }
  body.push(`<text x="${(PLOT.x0 + PLOT.x1) / 2}" y="${PLOT.y0 + 36}" text-anchor="middle">${escapeXml(input.unit)}</text>`);
  input.series.forEach((series, index) => {
    const sorted = [...series.values].sort((a, b) => a - b);
    const points = sorted.map((value, rank) => `${x(value).toFixed(1)},${y((rank + 1) / sorted.length).toFixed(1)}`).join(' ');
    const color = PALETTE[index % PALETTE.length];
    body.push(
      `<polyline class="series" fill="none" stroke="${color}" stroke-width="2" points="${points}"><title>${escapeXml(series.name)}</title></polyline>`,
      `<rect x="${PLOT.x0 + 10}" y="${PLOT.y1 + 4 + index * 16}" width="10" height="10" fill="${color}"/>`,
      `<text x="${PLOT.x0 + 26}" y="${PLOT.y1 + 13 + index * 16}">${escapeXml(`${series.name} (n=${sorted.length})`)}</text>`,
    );
  });
  return frame(input.title, body);
}
