import { describe, expect, it } from '@jest/globals';
import { UsageError } from '../../../tools/lib/cli';
import { parseReplayArgs, REPLAY_USAGE, replayName, replayPercent, runReplay } from '../../../tools/replay';

describe('replay arguments', () => {
  it('reads the window and the options', () => {
    expect(parseReplayArgs(['--from', '2026-03-01T00:00:00Z', '--to', '2026-03-02T00:00:00Z'])).toEqual({
      from: new Date('2026-03-01T00:00:00Z'),
      to: new Date('2026-03-02T00:00:00Z'),
      outputsFile: '.local/outputs.json',
      fromOutbox: false,
      dryRun: false,
      progress: false,
    });
    expect(parseReplayArgs(['--from', '2026-03-01', '--to', '2026-03-02', '--from-outbox', '--dry-run', '--stack', 'S'])).toMatchObject({
      fromOutbox: true,
      dryRun: true,
      stack: 'S',
    });
  });

  it.each([
    [['--to', '2026-03-02T00:00:00Z'], '--from is required'],
    [['--from', 'monday', '--to', '2026-03-02T00:00:00Z'], '--from must be an ISO-8601 timestamp'],
    [['--from', '2026-03-02T00:00:00Z', '--to', '2026-03-01T00:00:00Z'], 'must be before --to'],
    [['--from', '2026-03-01', '--to', '2026-03-02', '--archive', 'a', '--from-outbox'], 'exclude each other'],
    [['--from', '2026-03-01', '--to', '2026-03-02', '--nope'], "Unknown option '--nope'"],
  ])('refuses %j with a usage error', (argv, message) => {
    expect(() => parseReplayArgs(argv as string[])).toThrow(UsageError);
    expect(() => parseReplayArgs(argv as string[])).toThrow(message);
  });

  it('prints the usage text on --help', async () => {
    const out: string[] = [];
    const io = { stdout: { write: (t: string) => out.push(t) }, stderr: { write: () => true } };
    expect(await runReplay(['--help'], io)).toBe(0);
    expect(out.join('')).toBe(`${REPLAY_USAGE}\n`);
  });

  it('measures progress by the last replayed event time', () => {
    const window = { from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-03-01T10:00:00Z') };
    expect(replayPercent(window, undefined)).toBe(0);
    expect(replayPercent(window, new Date('2026-03-01T02:30:00Z'))).toBe(25);
    expect(replayPercent(window, new Date('2026-03-02T00:00:00Z'))).toBe(100);
  });

  it('names replays uniquely within EventBridge’s rules', () => {
    const name = replayName(new Date('2026-03-01T12:34:56.789Z'));
    expect(name).toMatch(/^dualwrite-replay-20260301T123456-[0-9a-f]{6}$/);
    expect(name.length).toBeLessThanOrEqual(64);
  });
});
