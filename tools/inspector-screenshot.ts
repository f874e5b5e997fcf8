/**
 * `npm run screenshot`: refreshes docs/inspector.png, the picture of the inspector page the README
 * shows. Starts its own emulator and local runtime (free ports), drives a few requests through the
 * API (an order, its payment, a customer, and one order whose event the timeline consumer refuses
 * until it is parked in the DLQ), opens the page in headless Chromium, shows the first order's
 * trip, and saves the page. Prints, for the first order, the time from `POST /orders` until the page
 * showed it "applied", and the total the page gave it.
 *
 * Options: `--out <file>` (default docs/inspector.png).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { refusingCorrelationIds } from '../local/faults';
import { silentLog } from '../local/log';
import { startLocalRuntime, type LocalRuntime } from '../local/runtime';
import { PROJECT_ROOT } from '../local/template';
import { launchChromium, type RunningChromium } from './lib/chromium';
import { parseFlags, processIo, runAsMain, type ToolIo } from './lib/cli';

const VIEWPORT = { width: 1500, height: 1000 };

export async function runInspectorScreenshot(argv: readonly string[], io: ToolIo = processIo): Promise<number> {
  const values = parseFlags(argv, { out: { type: 'string', default: path.join('docs', 'inspector.png') } });
  const out = path.resolve(PROJECT_ROOT, values.out);
  const workDirectory = mkdtempSync(path.join(tmpdir(), 'dualwrite-screenshot-'));
  const cloudAssembly = path.join(PROJECT_ROOT, '.local', `screenshot-${process.pid}`);
  const refused = new Set<string>();
  let runtime: LocalRuntime | undefined;
  let chromium: RunningChromium | undefined;
  try {
    io.stderr.write('starting the emulator and the local runtime (synth, bundling)…\n');
    runtime = await startLocalRuntime({
      port: 0,
      emulatorPort: 0,
      outputsFile: path.join(workDirectory, 'outputs.json'),
      outdir: path.join(cloudAssembly, 'cdk.out'),
      ttlSweepIntervalMs: 0,
      inspector: { port: 0 },
      // One order's event is refused by its consumers until it sits in the DLQ, so the health panel has something to show.
      faults: { eventSources: refusingCorrelationIds(refused) },
      log: silentLog,
    });
    chromium = await launchChromium();
    const page = await chromium.context.newPage();
    await page.setViewportSize(VIEWPORT);
    await page.goto(runtime.inspectorUrl!);

    const api = (route: string, method: string, body: unknown, correlationId: string) =>
      fetch(new URL(route, runtime!.apiUrl), {
        method,
        headers: { 'content-type': 'application/json', 'x-correlation-id': correlationId },
        body: JSON.stringify(body),
      }).then(async (response) => {
        if (!response.ok) throw new Error(`${method} /${route}: ${response.status} ${await response.text()}`);
        return (await response.json()) as Record<string, string>;
      });
    const run = randomBytes(3).toString('hex');

    const posted = Date.now();
    const { orderId } = await api('orders', 'POST', { customerId: 'c-ada', items: [{ sku: 'BOOK-42', quantity: 2, unitPriceCents: 1250 }] }, `screenshot-${run}-order`);
    const row = page.locator(`#events tr[data-aggregate-id="${orderId}"][data-type="OrderPlaced"]`);
    await row.and(page.locator('[data-status="applied"]')).waitFor({ timeout: 30_000 });
    const seenApplied = Date.now() - posted;
    const pageTotal = await row.locator('.total').textContent();

    await api(`orders/${orderId}/payments`, 'POST', { amountCents: 2500 }, `screenshot-${run}-payment`);
    await api('customers/c-ada', 'PUT', { name: 'Ada Lovelace', email: 'ada@example.com' }, `screenshot-${run}-customer`);
    const refusedCorrelation = `screenshot-${run}-refused`;
    refused.add(refusedCorrelation);
    const refusedOrder = await api('orders', 'POST', { customerId: 'c-bob', items: [{ sku: 'PEN-7', quantity: 1, unitPriceCents: 300 }] }, refusedCorrelation);
    await page.locator(`#events tr[data-aggregate-id="${refusedOrder.orderId}"][data-status="parked"]`).waitFor({ timeout: 30_000 });
    await page.locator('#events tr[data-type="PaymentCaptured"][data-status="applied"]').waitFor({ timeout: 30_000 });
    await page.locator('#events tr[data-type="CustomerRegistered"][data-status="applied"]').waitFor({ timeout: 30_000 });

    await row.click();
    await page.locator('#detail-items').filter({ hasText: '"STATE"' }).waitFor({ timeout: 10_000 });
    await page.waitForTimeout(1_500); // one more health refresh, so the panel shows the parked event's DLQ
    await page.screenshot({ path: out, fullPage: true });
    io.stdout.write(
      `screenshot ${path.relative(process.cwd(), out)}; order ${orderId}: POST /orders → "applied" on the page in ${seenApplied} ms ` +
        `(the page's committed → applied total: ${pageTotal})\n`,
    );
    return 0;
  } finally {
    await chromium?.close();
    await runtime?.stop();
    rmSync(workDirectory, { recursive: true, force: true });
    rmSync(cloudAssembly, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runAsMain(() => runInspectorScreenshot(process.argv.slice(2)), 'usage: npm run screenshot [-- --out <file.png>]');
}
