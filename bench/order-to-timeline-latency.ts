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
import type { RuntimeLog } from '../local/log';
import { startLocalRuntime } from '../local/runtime';
import { distribution } from './lib/stats';

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

export interface OrderToTimelineOptions {
  orders?: number;
  pollMs?: number;
  timeoutMs?: number;
  onProgress?: (done: number, total: number) => void;
  /** The runtime's log. @default the runtime's console log */
  log?: RuntimeLog;
}

export interface OrderToTimelineResult {
  orders: number;
  /** One per event seen, in order placed: ms from the 201 to the GET that showed it. */
  latenciesMs: number[];
  /** Orders whose event did not show within `timeoutMs`. */
  lost: number;
  pollMs: number;
  timeoutMs: number;
}

/**
 * Starts its own local runtime (emulator included) on free ports, places `orders` orders one after
 * the other (each waits for its own event) and stops the runtime again.
 */
export async function measureOrderToTimelineLatency(options: OrderToTimelineOptions = {}): Promise<OrderToTimelineResult> {
  const orders = options.orders ?? 100;
  const pollMs = options.pollMs ?? 10;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const runtime = await startLocalRuntime({ port: 0, emulatorPort: 0, outputsFile: `.local/bench-outputs-${process.pid}.json`, ...(options.log ? { log: options.log } : {}) });
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
      options.onProgress?.(i + 1, orders);
    }
  } finally {
    await runtime.stop();
  }
  return { orders, latenciesMs: latencies, lost, pollMs, timeoutMs };
}

async function main(): Promise<void> {
  const { orders, latenciesMs, lost, pollMs, timeoutMs } = await measureOrderToTimelineLatency({
    orders: argument('orders', 100),
    pollMs: argument('poll-ms', 10),
  });
  const d = distribution(latenciesMs);
  const fmt = (ms: number) => `${ms.toFixed(0)} ms`;
  console.log(`orders placed: ${orders}; events seen in the timeline: ${latenciesMs.length}; not seen within ${timeoutMs / 1000} s: ${lost}`);
  if (d.n > 0) {
    console.log(
      `201 → timeline: min ${fmt(d.min)}, median ${fmt(d.p50)}, p90 ${fmt(d.p90)}, ` +
        `p99 ${fmt(d.p99)}, worst ${fmt(d.max)} (poll every ${pollMs} ms)`,
    );
  }
  if (lost > 0) process.exitCode = 1;
}

// Run as a script (`npm run bench:latency`); `npm run bench` imports the function instead.
if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
