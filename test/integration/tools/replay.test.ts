import { describe, expect, it } from '@jest/globals';
import { toOutboxItem } from '../../../lambdas/dualwrite/outbox';
import { receiveAll } from '../support/aws';
import { detailsOf, orderEvent, putItem } from '../relay/support';
import { givenAStack, runTool } from './support';

describe('npm run replay on the emulator', () => {
  it('says what the emulator lacks instead of replaying the whole archive', async () => {
    const stack = await givenAStack();
    const run = await runTool('replay', ['--from', '2026-01-01T00:00:00Z', '--to', '2026-01-02T00:00:00Z', '--outputs', stack.outputsFile]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("moto's StartReplay ignores EventStartTime/EventEndTime");
    expect(run.stderr).toContain('--from-outbox');
  });

  it('--from-outbox republishes the outbox items of the window', async () => {
    const stack = await givenAStack();
    const inside = orderEvent('r1', 1, new Date('2026-01-01T12:00:00Z'));
    const outside = orderEvent('r2', 1, new Date('2026-01-05T12:00:00Z'));
    await putItem(stack.tableName, { ...toOutboxItem('ORDER#r1', inside) });
    await putItem(stack.tableName, { ...toOutboxItem('ORDER#r2', outside) });
    const args = ['--from', '2026-01-01T00:00:00Z', '--to', '2026-01-02T00:00:00Z', '--from-outbox', '--outputs', stack.outputsFile];

    const dry = await runTool('replay', [...args, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('1 outbox items of 2026-01-01T00:00:00.000Z..2026-01-02T00:00:00.000Z');
    expect(await receiveAll(stack.captureQueueUrl, { expected: 1, timeoutMs: 300 })).toEqual([]);

    const run = await runTool('replay', args);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('1 republished');
    expect(detailsOf(await receiveAll(stack.captureQueueUrl, { expected: 2, timeoutMs: 1_000 }))).toEqual([inside]);
  });
});
