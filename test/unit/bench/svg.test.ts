import { describe, expect, it } from '@jest/globals';
import { barChart, cdfChart, escapeXml, histogramChart, niceCeiling } from '../../../bench/lib/svg';
import { histogram } from '../../../bench/lib/stats';

/** Checks that tags open and close in order (every chart is plain, attribute-quoted SVG). */
function assertWellFormed(svg: string): void {
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  const stack: string[] = [];
  for (const match of svg.matchAll(/<(\/?)([a-zA-Z]+)([^>]*?)(\/?)>/g)) {
    const [, closing, name, , selfClosing] = match;
    if (selfClosing) continue;
    if (closing) expect(stack.pop()).toBe(name);
    else stack.push(name);
  }
  expect(stack).toEqual([]);
  expect(svg.replace(/<[^>]*>/g, '')).not.toMatch(/[<>]|&(?!amp;|lt;|gt;|quot;|apos;)/);
}

const count = (svg: string, pattern: RegExp) => svg.match(pattern)?.length ?? 0;

describe('barChart', () => {
  const svg = barChart({
    title: 'Bundle <size>',
    unit: 'KiB',
    bars: [
      { label: 'Relay', value: 171 },
      { label: 'Api', value: 658 },
      { label: 'Cdc', value: 100 },
    ],
    threshold: { value: 150, label: 'target 150 KiB' },
  });

  it('is well-formed and escapes text', () => {
    assertWellFormed(svg);
    expect(svg).toContain('Bundle &lt;size&gt;');
  });

  it('draws one bar per entry and the threshold line', () => {
    expect(count(svg, /<rect class="bar"/g)).toBe(3);
    expect(count(svg, /class="threshold"/g)).toBe(1);
  });

  it('colours bars over the threshold', () => {
    expect(count(svg, /<rect class="bar"[^>]*fill="#c0504d"/g)).toBe(2);
  });
});

describe('histogramChart', () => {
  it('draws one bar per bin and one line per marker', () => {
    const svg = histogramChart({
      title: 'latency',
      unit: 'ms',
      bins: histogram([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 4),
      markers: [
        { label: 'p50', value: 5 },
        { label: 'p99', value: 10 },
      ],
    });
    assertWellFormed(svg);
    expect(count(svg, /<rect class="bar"/g)).toBe(4);
    expect(count(svg, /class="marker"/g)).toBe(2);
  });
});

describe('cdfChart', () => {
  it('draws one polyline per series with one point per value', () => {
    const svg = cdfChart({
      title: 'outbox vs naive',
      unit: 'ms',
      series: [
        { name: 'outbox', values: [3, 1, 2] },
        { name: 'naive', values: [5, 6, 7, 8] },
      ],
    });
    assertWellFormed(svg);
    const polylines = [...svg.matchAll(/<polyline class="series"[^>]*points="([^"]*)"/g)].map((match) => match[1].split(' ').length);
    expect(polylines).toEqual([3, 4]);
  });
});

describe('helpers', () => {
  it('niceCeiling rounds up to 1, 2 or 5 × 10^k', () => {
    expect(niceCeiling(658)).toBe(1000);
    expect(niceCeiling(171)).toBe(200);
    expect(niceCeiling(4.2)).toBe(5);
    expect(niceCeiling(0)).toBe(1);
  });

  it('escapeXml escapes the five XML characters', () => {
    expect(escapeXml(`<a & 'b' "c">`)).toBe('&lt;a &amp; &apos;b&apos; &quot;c&quot;&gt;');
  });
});
