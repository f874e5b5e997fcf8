/**
 * The operator's redrive command, run as an operator runs it: a separate process, the default
 * credential chain, AWS_ENDPOINT_URL pointing at the emulator.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { localAwsEnvironment } from '../../../local/emulator';
import { toOutboxItem } from '../../../lambdas/dualwrite/outbox';
import { awsEndpoint, createOutboxTable, createQueueReceivingFromBus, receiveAll, uniqueName } from '../support/aws';
import { detailsOf, failedOutboxItems, orderEvent, putItem, SOURCE } from './support';

const PROJECT_ROOT = path.resolve(__dirname, '..', '..', '..');
const CLI = path.join(PROJECT_ROOT, 'lambdas', 'dualwrite', 'relay', 'redrive-cli.ts');

async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, ...localAwsEnvironment(awsEndpoint()) };
  return promisify(execFile)(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: PROJECT_ROOT, env }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code ?? -1, stdout: error.stdout ?? '', stderr: error.stderr ?? '' }),
  );
}

describe('redrive-cli', () => {
  it('republishes the FAILED outbox items of a table and clears their mark', async () => {
    const { tableName } = await createOutboxTable(uniqueName('redrive-cli'));
    const busName = uniqueName('redrive-cli-bus');
    const queueUrl = await createQueueReceivingFromBus({ busName, pattern: { source: [SOURCE] } });
    const failed = orderEvent('o1', 1);
    const { expiresAt: _expiresAt, ...item } = toOutboxItem('ORDER#o1', failed);
    await putItem(tableName, { ...item, failedStatus: 'FAILED', failedAt: new Date().toISOString(), failureCode: 'MalformedDetail', failureMessage: 'x' });

    const run = await runCli(['--table', tableName, '--bus', busName, '--failed']);

    expect(run.stderr).not.toMatch(/Error/);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ found: 1, republished: 1, failed: 0, unsettled: 0 });
    expect(detailsOf(await receiveAll(queueUrl, { expected: 1 }))).toEqual([failed]);
    expect(await failedOutboxItems(tableName)).toEqual([]);
  });

  it('refuses contradictory options with a usage message', async () => {
    const run = await runCli(['--table', 't', '--bus', 'b', '--failed', '--from', '2026-01-01T00:00:00Z']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('give either --failed or --from and --to');
  });
});
