/**
 * `npm run client` as a user runs it: a child process, given the outputs of the stack under test
 * (the local runtime's, or a deployed stack's with E2E_OUTPUTS_FILE, where it signs with the
 * default credential chain), creates an order, reads it back and cancels it.
 *
 * (Kept beside the e2e support code, which this file exercises; it runs in the e2e project.)
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { describe, it } from '@jest/globals';

import { expect } from '../support/expect';

import { handedOverStackOutputs } from '../support/handoff';

const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
const outputsFile = path.join(mkdtempSync(path.join(tmpdir(), 'dualwrite-client-e2e-')), 'outputs.json');
writeFileSync(outputsFile, JSON.stringify({ UnderTest: handedOverStackOutputs() }));

async function client(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)('npm', ['run', '--silent', 'client', '--', ...args, '--outputs', outputsFile], {
      cwd: PROJECT_ROOT,
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('npm run client against the stack under test', () => {
  it('creates an order, gets it, cancels it, and exits 1 with the error body on a refusal', async () => {
    const customer = `cli-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    const created = await client('orders', 'create', '--customer', customer, '--item', 'A:2:500', '--item', 'B:1:250');
    expect(created, created.stderr).toMatchObject({ code: 0 });
    const order = JSON.parse(created.stdout) as { orderId: string; status: string; version: number; totalCents: number };
    expect(order).toMatchObject({ status: 'PLACED', version: 1, totalCents: 1250 });

    const got = await client('orders', 'get', order.orderId);
    expect(got.code, got.stderr).toBe(0);
    expect(JSON.parse(got.stdout)).toMatchObject({ orderId: order.orderId, customerId: customer, status: 'PLACED', version: 1 });

    const cancelled = await client('orders', 'cancel', order.orderId, '--reason', 'changed my mind', '--expected-version', '1');
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(JSON.parse(cancelled.stdout)).toMatchObject({ orderId: order.orderId, status: 'CANCELLED', version: 2 });

    const again = await client('orders', 'cancel', order.orderId);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout)).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
    expect(again.stderr).toContain('HTTP 409');
  });

  it('exits 2 on a usage error, before any request', async () => {
    const result = await client('orders', 'create', '--customer', 'c1', '--item', 'A:x:1');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--item A:x:1: quantity must be a whole number/);
  });
});
