/**
 * The chaos figures the docs quote are the committed chaos/report.json's: the block in
 * chaos/README.md "Measured" is the table that run printed, and the README's table and headline
 * give the same counts. A new report without new docs (or the reverse) fails here.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from '@jest/globals';

import { expect } from '../../support/expect';
import { formatReportTable, PATTERN_NAMES, REPORT_COLUMNS, reportRows, reportViolations, type ChaosReport } from '../../../chaos/chaos-run';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), 'utf8');
const report = JSON.parse(read('chaos/report.json')) as ChaosReport;

/** The text of a Markdown section: from its heading to the next heading of the same level. */
function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`no section "${heading}"`);
  const level = heading.split(' ')[0]!;
  const end = markdown.indexOf(`\n${level} `, start + heading.length + 2);
  return markdown.slice(start, end < 0 ? undefined : end);
}

const percent = (part: number, whole: number) => Math.round((100 * part) / whole);
/** 4133 → "4,133", as the prose writes counts. */
const grouped = (value: number) => value.toLocaleString('en-US');

const patternsCommitted = PATTERN_NAMES.reduce((sum, name) => sum + report.patterns[name].committed, 0);
const patternsFaulted = PATTERN_NAMES.reduce((sum, name) => sum + report.patterns[name].faultedDeliveries, 0);
const faultsInjected = Object.values(report.faults).reduce((sum, count) => sum + count, 0);

describe('the chaos figures in the docs', () => {
  it('the committed report is a clean run: every fault kind injected, no violation', () => {
    expect(reportViolations(report)).toBe(0);
    expect(Object.entries(report.faults).filter(([, count]) => count === 0)).toEqual([]);
    expect(report.settle).toMatchObject({ quiet: true, timedOut: false });
  });

  it('chaos/README.md "Measured" shows the table the committed run printed', () => {
    const measured = section(read('chaos/README.md'), '## Measured');
    expect(measured).toContain(`npm run chaos -- --commands ${report.commands} --seed ${report.seed}`);
    expect(measured).toContain(formatReportTable(report));
  });

  it("the README's chaos table gives the committed report's counts, row by row", () => {
    const chaos = section(read('README.md'), '## Chaos run');
    expect(chaos).toContain(`--commands ${report.commands} --seed ${report.seed}`);
    for (const [label, row] of reportRows(report)) {
      const line = chaos.split('\n').find((candidate) => candidate.startsWith(`| ${label} |`));
      expect(line, label).toBeDefined();
      const cells = line!.split('|').slice(2, -1).map((cell) => cell.trim());
      const expected = REPORT_COLUMNS.map((column) =>
        column === 'faultedDeliveries' ? `${row.faultedDeliveries} (${percent(row.faultedDeliveries, row.committed)} %)` : String(row[column]),
      );
      expect(cells, label).toEqual(expected);
    }
  });

  it("the README's headline and prose quote the committed run", () => {
    const readme = read('README.md');
    const headline = readme.slice(readme.indexOf('**Measured under faults**'), readme.indexOf('## The three patterns'));
    const minutes = Math.round(report.durationSeconds / 60);
    expect(headline).toContain(`${grouped(report.commands)}-command`);
    expect(headline).toContain(`${minutes} min`);
    expect(headline).toContain(`${grouped(faultsInjected)} injected faults`);
    expect(headline).toContain(`${percent(patternsFaulted, patternsCommitted)} % of the patterns' deliveries faulted`);
    expect(headline).toContain(`lost ${percent(report.naive.lost, report.naive.committed)} % of its`);

    const chaos = section(readme, '## Chaos run').replace(/\s+/g, ' ');
    for (const figure of [
      `${grouped(report.durationSeconds)} s`,
      `commands ${grouped(report.durationSeconds - report.settle.seconds)} s`,
      `settling ${grouped(report.settle.seconds)} s`,
      `faults on for ${grouped(report.settle.faultsOnSeconds)} s`,
      `${grouped(faultsInjected)} faults of ${Object.keys(report.faults).length} kinds`,
      `(${grouped(patternsFaulted)} of ${grouped(patternsCommitted)})`,
      `${report.payments.captured} captured, ${report.payments.rejected} rejected`,
      `(${report.payments.cancelRaces} cancels raced`,
      `sent again: ${report.faults.answerLost}`,
      `commands applied twice: ${report.commandsAppliedTwice.count}`,
      `Poison events: ${report.poison.events}`,
      `lost ${report.naive.lost} of its ${grouped(report.naive.committed)}`,
      `applied ${report.naive.duplicateEffects} events twice`,
    ]) {
      expect(chaos, figure).toContain(figure);
    }
  });
});
