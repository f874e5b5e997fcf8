/**
 * Local end-to-end latency: from the 201 of `POST /orders` to the `OrderPlaced` event showing in
 * `GET /orders/{id}/timeline`, i.e. stream → relay → EventBridge → SQS → timeline consumer → table.
 *
 *   npx tsx bench/order-to-timeline-latency.ts [--orders 100] [--poll-ms 10]
 *
 * It starts its own local runtime (emulator included) on free ports, places the orders one after
 * the other (each waits for its own event, so the numbers are per-event latency, not throughput),
 * and prints the distribution measured in this one run. The observation is a GET polled every
 * `--poll-ms`, so each figure includes up to one poll interval plus one GET.
 */
import { startLocalRuntime } from '../local/runtime';

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  if (index === -1) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`--${name} needs a positive integer, got "${process.argv[index + 1]}"`);
    process.exit(2);
  }
  return value;
}

function percentile(sorted: number[], p: number): number {
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

async function main(): Promise<void> {
  const orders = argument('orders', 100);
  const pollMs = argument('poll-ms', 10);
  const timeoutMs = 30_000;
  const runtime = await startLocalRuntime({ port: 0, emulatorPort: 0, outputsFile: `.local/bench-outputs-${process.pid}.json` });
  const api = runtime.apiUrl.replace(/\/$/, '');
  const latencies: number[] = [];
  let lost = 0;
  try {
    for (let i = 0; i < orders; i++) {
      const placed = await fetch(`${api}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ customerId: `bench-${i}`, items: [{ sku: 'A', quantity: 1 + (i % 3), unitPriceCents: 500 }] }),
      });
      const placedAt = performance.now();
      if (placed.status !== 201) throw new Error(`POST /orders answered ${placed.status}: ${await placed.text()}`);
      const { orderId } = (await placed.json()) as { orderId: string };
      let seenAt: number | undefined;
      while (performance.now() - placedAt < timeoutMs) {
        const response = await fetch(`${api}/orders/${orderId}/timeline`);
        const body = (await response.json()) as { events?: Array<{ type: string }> };
        if (response.status === 200 && body.events?.some((event) => event.type === 'OrderPlaced')) {
          seenAt = performance.now();
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, pollMs));
      }
      if (seenAt === undefined) lost += 1;
      else latencies.push(seenAt - placedAt);
    }
  } finally {
    await runtime.stop();
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  const fmt = (ms: number) => `${ms.toFixed(0)} ms`;
  console.log(`orders placed: ${orders}; events seen in the timeline: ${latencies.length}; not seen within ${timeoutMs / 1000} s: ${lost}`);
  if (sorted.length > 0) {
    console.log(
      `201 → timeline: min ${fmt(sorted[0])}, median ${fmt(percentile(sorted, 50))}, p90 ${fmt(percentile(sorted, 90))}, ` +
        `p99 ${fmt(percentile(sorted, 99))}, worst ${fmt(sorted[sorted.length - 1])} (poll every ${pollMs} ms)`,
    );
  }
  if (lost > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
