/**
 * The inspector page (local/inspector/) in a real browser: Debian's Chromium driven by
 * playwright-core, against a local runtime of its own on the integration emulator.
 *
 * The runtime gets one fault seam (local/faults.ts `refuseMessageIds`): the consumers refuse every
 * message of the correlation ids in `refusedCorrelationIds`, which parks them in the DLQ within
 * seconds. Nothing else differs from `npm start`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { OutboxFailureMarker } from '../../../lambdas/dualwrite/relay/outbox-failure-marker';
import { refusingCorrelationIds } from '../../../local/faults';
import { silentLog } from '../../../local/log';
import { startLocalRuntime, type LocalRuntime } from '../../../local/runtime';
import { PROJECT_ROOT } from '../../../local/template';
import { launchChromium, type RunningChromium } from '../../../tools/lib/chromium';
import { awsEndpoint, documentClient } from '../support/aws';

const refusedCorrelationIds = new Set<string>();
let runtime: LocalRuntime;
let chromium: RunningChromium;
let page: Page;
let workDirectory: string;
let cloudAssembly: string;

beforeAll(async () => {
  workDirectory = mkdtempSync(path.join(tmpdir(), 'dualwrite-inspector-'));
  const stackName = `Inspector${randomBytes(4).toString('hex')}`;
  // Inside the project: the bundles' `@aws-sdk/*` imports resolve from its node_modules.
  cloudAssembly = path.join(PROJECT_ROOT, '.local', `inspector-test-${stackName}`);
  runtime = await startLocalRuntime({
    endpoint: awsEndpoint(),
    port: 0,
    stackName,
    outputsFile: path.join(workDirectory, 'outputs.json'),
    outdir: path.join(cloudAssembly, 'cdk.out'),
    ttlSweepIntervalMs: 0,
    inspector: { port: 0 },
    faults: { eventSources: refusingCorrelationIds(refusedCorrelationIds) },
    log: silentLog,
  });
  chromium = await launchChromium();
  page = await chromium.context.newPage();
  await page.goto(runtime.inspectorUrl!);
  // The first invocation of each function worker pays its start-up (loading the SDK, first
  // connections), as a Lambda cold start would; the 5 s of the first test are about the page
  // following a running pipeline, so one order goes through first, untimed.
  const warmUp = await placeOrder(`inspector-warm-up-${randomBytes(4).toString('hex')}`);
  await eventRow(warmUp).and(page.locator('[data-status="applied"]')).waitFor({ timeout: 60_000 });
}, 300_000);

afterAll(async () => {
  await chromium?.close();
  await runtime?.stop();
  rmSync(workDirectory, { recursive: true, force: true });
  rmSync(cloudAssembly, { recursive: true, force: true });
});

async function placeOrder(correlationId: string): Promise<string> {
  const response = await fetch(new URL('orders', runtime.apiUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-correlation-id': correlationId },
    body: JSON.stringify({ customerId: 'c-inspector', items: [{ sku: 'BOOK-1', quantity: 2, unitPriceCents: 1250 }] }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { orderId: string }).orderId;
}

const eventRow = (orderId: string) => page.locator(`#events tr[data-aggregate-id="${orderId}"][data-type="OrderPlaced"]`);

describe('the inspector page, in Chromium', () => {
  it('is served on the loopback interface and named in the outputs', () => {
    expect(runtime.inspectorUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(runtime.outputs.InspectorUrl).toBe(runtime.inspectorUrl);
  });

  it('shows an order placed through the API reach "applied" within 5 s, with its hops, without a reload', async () => {
    const correlationId = `inspector-applied-${randomBytes(4).toString('hex')}`;
    const posted = Date.now();
    const orderId = await placeOrder(correlationId);
    const row = eventRow(orderId);
    await row.and(page.locator('[data-status="applied"]')).waitFor({ timeout: 5_000 - (Date.now() - posted) });

    await expect(row.locator('.status').textContent()).resolves.toBe('applied');
    const hops = await row.locator('.hop').allTextContents();
    expect(hops[0]).toMatch(/^committed/);
    expect(hops.some((hop) => /^published by .*Relay/.test(hop))).toBe(true);
    expect(hops.some((hop) => /^delivered to .*Timeline/.test(hop))).toBe(true);
    expect(hops.at(-1)).toMatch(/^applied by .*Timeline/);
    await expect(row.locator('.ids').textContent()).resolves.toContain(correlationId);

    // One event: its envelope, its aggregate's items and its timeline.
    await row.click();
    await page.locator('#detail-envelope').filter({ hasText: orderId }).waitFor({ timeout: 5_000 });
    const envelope = JSON.parse((await page.locator('#detail-envelope').textContent()) ?? '{}') as { aggregateId?: string; correlationId?: string };
    expect(envelope).toMatchObject({ aggregateId: orderId, correlationId });
    await page.locator('#detail-items').filter({ hasText: '"STATE"' }).waitFor({ timeout: 5_000 });
    expect(await page.locator('#timeline .lane').count()).toBeGreaterThanOrEqual(4);

    // The filters keep only what matches (the warm-up order is in the list too).
    const rows = page.locator('#events tbody tr');
    try {
      await page.fill('#filter-correlation', correlationId);
      await rows.nth(1).waitFor({ state: 'detached' });
      expect(await rows.getAttribute('data-aggregate-id')).toBe(orderId);
      await page.fill('#filter-correlation', '');
      await page.fill('#filter-type', 'orderplaced');
      await page.fill('#filter-aggregate', orderId.slice(-8).toLowerCase());
      await rows.nth(1).waitFor({ state: 'detached' });
      expect(await rows.getAttribute('data-aggregate-id')).toBe(orderId);
      await page.fill('#filter-aggregate', 'no-such-aggregate');
      await rows.first().waitFor({ state: 'detached' });
    } finally {
      for (const filter of ['#filter-correlation', '#filter-type', '#filter-aggregate']) await page.fill(filter, '');
    }
  });

  it('shows an event a consumer refuses parked in its DLQ, and applied after the page redrives it', async () => {
    const correlationId = `inspector-parked-${randomBytes(4).toString('hex')}`;
    refusedCorrelationIds.add(correlationId);
    const orderId = await placeOrder(correlationId);
    const row = eventRow(orderId);
    await row.and(page.locator('[data-status="parked"]')).waitFor({ timeout: 30_000 });
    const parkedHops = await row.locator('.hop').allTextContents();
    expect(parkedHops.map((hop) => hop.split(' ')[0])).toEqual(['committed', 'published', 'delivered', 'parked']);
    expect(parkedHops.at(-1)).toMatch(/^parked in .*TimelineConsumerDeadLetter/);

    const dlqName = runtime.outputs.TimelineDeadLetterQueueUrl!.split('/').at(-1)!;
    const dlqRow = page.locator(`#queues tr[data-queue="${dlqName}"]`);
    await dlqRow.and(page.locator('.alarming')).waitFor({ timeout: 5_000 });
    await expect(dlqRow.locator('.depth').textContent()).resolves.toBe('1');

    refusedCorrelationIds.delete(correlationId);
    await dlqRow.locator('button[data-redrive]').click();
    await page.locator('#action-result').filter({ hasText: 'exit 0' }).waitFor({ timeout: 20_000 });
    await row.and(page.locator('[data-status="applied"]')).waitFor({ timeout: 20_000 });
    const hops = await row.locator('.hop').allTextContents();
    expect(hops.some((hop) => hop.startsWith('redriven from'))).toBe(true);
    expect(hops.at(-1)).toMatch(/^applied by .*Timeline/);
    await dlqRow.locator('.depth').filter({ hasText: /^0$/ }).waitFor({ timeout: 5_000 });
  });

  it('shows an event the relay gave up on as FAILED, and applied again after the page republishes the FAILED items', async () => {
    const correlationId = `inspector-failed-${randomBytes(4).toString('hex')}`;
    const orderId = await placeOrder(correlationId);
    const row = eventRow(orderId);
    await row.and(page.locator('[data-status="applied"]')).waitFor({ timeout: 20_000 });

    // What the relay does when it gives up on an event: its own failure marker marks the outbox item.
    const marker = new OutboxFailureMarker({ documentClient: documentClient(), tableName: runtime.outputs.TableName! });
    await marker.record(
      { itemIdentifier: 'given-up', ref: { key: { pk: `ORDER#${orderId}`, sk: 'OUTBOX#0000000001' }, sequenceNumber: 'given-up' } },
      { code: 'EventBridgeUnavailable', message: 'the inspector test gave up on it' },
    );
    await row.and(page.locator('[data-status="FAILED"]')).waitFor({ timeout: 10_000 });
    await page.locator('#failed-count.alarming').filter({ hasText: /^1 FAILED$/ }).waitFor({ timeout: 5_000 });

    await page.locator('button[data-redrive="FAILED"]').click();
    await page.locator('#action-result').filter({ hasText: /redrive -- --failed .* exit 0/ }).waitFor({ timeout: 20_000 });
    await row.and(page.locator('[data-status="applied"]')).waitFor({ timeout: 20_000 });
    await page.locator('#failed-count.ok').filter({ hasText: /^0 FAILED$/ }).waitFor({ timeout: 5_000 });
    expect((await row.locator('.hop').allTextContents()).filter((hop) => hop.startsWith('delivered to'))).toHaveLength(2);
  });
});
