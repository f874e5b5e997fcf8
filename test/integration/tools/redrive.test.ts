/**
 * `npm run redrive` against the emulator, run as a separate process with an outputs file naming
 * resources built for each test.
 */
import { describe, expect, it } from '@jest/globals';
import { toOutboxItem } from '../../../lambdas/dualwrite/outbox';
import { receiveAll } from '../support/aws';
import { detailsOf, failedOutboxItems, orderEvent, putItem } from '../relay/support';
import { givenAStack, messagesIn, runTool, sendMessage, streamOnFailureBody } from './support';

const DAY_MS = 86_400_000;

async function givenOutboxItems(tableName: string, orderId: string, versions: number[], occurredAt = new Date()) {
  const envelopes = versions.map((version) => orderEvent(orderId, version, occurredAt));
  for (const envelope of envelopes) await putItem(tableName, { ...toOutboxItem(`ORDER#${orderId}`, envelope) });
  return envelopes;
}

describe('npm run redrive --stream-dlq', () => {
  it('republishes the outbox items a DLQ message covers and deletes it; --dry-run first changes nothing; a second run is harmless', async () => {
    const stack = await givenAStack();
    const now = new Date();
    const envelopes = await givenOutboxItems(stack.tableName, 'o1', [1, 2], now);
    await givenOutboxItems(stack.tableName, 'old', [1], new Date(now.getTime() - 2 * DAY_MS)); // outside the window
    await sendMessage(stack.relayDlqUrl, streamOnFailureBody(now, now));

    const dry = await runTool('redrive', ['--stream-dlq', '--dry-run', '--outputs', stack.outputsFile]);
    expect(dry.stderr).not.toMatch(/error/i);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('stream-dlq (dry run): 1 DLQ messages, 2 outbox items would be republished');
    expect(await receiveAll(stack.captureQueueUrl, { expected: 1, timeoutMs: 500 })).toEqual([]);
    expect(await messagesIn(stack.relayDlqUrl)).toBe(1);

    const run = await runTool('redrive', ['--stream-dlq', '--outputs', stack.outputsFile]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('1 DLQ messages read, 1 deleted, 0 left');
    expect(run.stdout).toContain('2 outbox items found, 2 republished, 0 failed again');
    const delivered = detailsOf(await receiveAll(stack.captureQueueUrl, { expected: 2 }));
    expect(delivered.map((e) => e.id).sort()).toEqual(envelopes.map((e) => e.id).sort());
    expect(await messagesIn(stack.relayDlqUrl)).toBe(0);

    const again = await runTool('redrive', ['--stream-dlq', '--outputs', stack.outputsFile]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('0 DLQ messages read, 0 deleted, 0 left');
    expect(await receiveAll(stack.captureQueueUrl, { expected: 1, timeoutMs: 500 })).toEqual([]);
  });

  it('reports a window whose outbox items have expired and keeps its DLQ message, unless --discard-expired', async () => {
    const stack = await givenAStack();
    const tenDaysAgo = new Date(Date.now() - 10 * DAY_MS);
    await sendMessage(stack.relayDlqUrl, streamOnFailureBody(tenDaysAgo, tenDaysAgo));

    const run = await runTool('redrive', ['--stream-dlq', '--outputs', stack.outputsFile]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/the DLQ message covers \S+\.\.\S+ .*but no outbox item of that window remains \(outbox TTL is 7 days; items written before \S+ have expired\): nothing to republish — use `npm run replay/);
    expect(run.stdout).toContain('1 left (1 with no outbox item left)');
    expect(await messagesIn(stack.relayDlqUrl)).toBe(1);

    const discard = await runTool('redrive', ['--stream-dlq', '--discard-expired', '--outputs', stack.outputsFile]);
    expect(discard.code).toBe(0);
    expect(await messagesIn(stack.relayDlqUrl)).toBe(0);
  });
});

describe('npm run redrive --failed', () => {
  it('republishes FAILED outbox items and clears the mark; a second run finds nothing', async () => {
    const stack = await givenAStack();
    const failed = orderEvent('o2', 1);
    const { expiresAt: _expiresAt, ...item } = toOutboxItem('ORDER#o2', failed);
    await putItem(stack.tableName, { ...item, failedStatus: 'FAILED', failedAt: new Date().toISOString(), failureCode: 'MalformedDetail', failureMessage: 'x' });

    const dry = await runTool('redrive', ['--failed', '--dry-run', '--outputs', stack.outputsFile]);
    expect(dry.code).toBe(0);
    expect(dry.stderr).toContain('would republish ORDER#o2 OUTBOX#0000000001');
    expect(await failedOutboxItems(stack.tableName)).toHaveLength(1);

    const run = await runTool('redrive', ['--failed', '--outputs', stack.outputsFile]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('1 FAILED items found, 1 republished (mark cleared), 0 failed again');
    expect(detailsOf(await receiveAll(stack.captureQueueUrl, { expected: 1 }))).toEqual([failed]);
    expect(await failedOutboxItems(stack.tableName)).toEqual([]);

    const again = await runTool('redrive', ['--failed', '--outputs', stack.outputsFile]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('no FAILED items');
  });
});

describe('npm run redrive --consumer-dlq', () => {
  it('moves the DLQ messages back to the source queue (dry run first moves nothing)', async () => {
    const stack = await givenAStack();
    const bodies = ['{"detail":{"n":1}}', '{"detail":{"n":2}}'];
    for (const body of bodies) await sendMessage(stack.timelineDlqUrl, body);

    const dry = await runTool('redrive', ['--consumer-dlq', 'timeline', '--dry-run', '--outputs', stack.outputsFile]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('timeline 2 would be moved');
    expect(await messagesIn(stack.timelineQueueUrl)).toBe(0);

    const run = await runTool('redrive', ['--consumer-dlq', 'timeline', '--progress', '--outputs', stack.outputsFile]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('timeline 2 moved (receive/send/delete)');
    expect(run.stderr).toContain('this endpoint has no StartMessageMoveTask');
    expect(run.stderr).toContain('timeline DLQ [');
    const moved = await receiveAll(stack.timelineQueueUrl, { expected: 2 });
    expect(moved.map((m) => m.Body).sort()).toEqual(bodies);
    expect(await messagesIn(stack.timelineDlqUrl)).toBe(0);

    const again = await runTool('redrive', ['--consumer-dlq', 'all', '--outputs', stack.outputsFile]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('timeline 0 moved');
    expect(again.stdout).toContain('payments 0 moved');
  });
});

describe('npm run redrive usage', () => {
  it('exits 2 with a clear message when the outputs file is missing', async () => {
    const run = await runTool('redrive', ['--failed', '--outputs', '/nonexistent/outputs.json']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('outputs file /nonexistent/outputs.json not found');
  });
});
