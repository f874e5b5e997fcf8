import { describe, expect, it } from '@jest/globals';
import { ProgressBar, renderProgressBar } from '../../../tools/lib/progress';

describe('progress bar', () => {
  it('renders done/total as a bar and a percentage', () => {
    expect(renderProgressBar({ label: 'items', done: 0, total: 4 }, 8)).toBe('items [........] 0/4 0%');
    expect(renderProgressBar({ label: 'items', done: 1, total: 4 }, 8)).toBe('items [##......] 1/4 25%');
    expect(renderProgressBar({ label: 'items', done: 4, total: 4 }, 8)).toBe('items [########] 4/4 100%');
    expect(renderProgressBar({ label: 'items', done: 9, total: 4 }, 8)).toBe('items [########] 9/4 100%');
  });

  it('shows the count alone while the total is unknown', () => {
    expect(renderProgressBar({ label: 'moved', done: 7 })).toBe('moved 7');
  });

  it('draws on a terminal or when forced, with carriage returns, and ends its line', () => {
    const written: string[] = [];
    const bar = ProgressBar.for({ write: (t: string) => written.push(t), isTTY: false }, true, 'n', 2);
    bar.tick();
    bar.tick();
    bar.finish();
    expect(written).toEqual([`\r${renderProgressBar({ label: 'n', done: 1, total: 2 })}`, `\r${renderProgressBar({ label: 'n', done: 2, total: 2 })}`, '\n']);
  });

  it('draws nothing into a pipe unless forced', () => {
    const written: string[] = [];
    const bar = ProgressBar.for({ write: (t: string) => written.push(t), isTTY: false }, false, 'n', 2);
    bar.tick();
    bar.finish();
    expect(written).toEqual([]);
    const tty = ProgressBar.for({ write: (t: string) => written.push(t), isTTY: true }, false, 'n', 2);
    tty.tick();
    expect(written).toHaveLength(1);
  });
});
