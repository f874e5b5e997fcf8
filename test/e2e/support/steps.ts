/**
 * Given / when / then steps for the end-to-end tests: the same test code runs against the local
 * runtime and a deployed stack (the outputs come from test/e2e/global-setup.ts). Asynchronous
 * effects (the timeline, built at the far end of stream → relay → bus → queue → consumer) are
 * awaited with `eventually`: polling the observable result with a deadline, never a fixed sleep.
 */
import { handedOverStackOutputs } from '../../support/handoff';
import { waitFor } from '../../integration/support/wait';
import { apiClient, type ApiClient, type ApiResponse } from './api';

let client: ApiClient | undefined;
const api = (): ApiClient => (client ??= apiClient(handedOverStackOutputs()));

/** `waitFor` of the integration tests, with the longer deadline and interval of the end-to-end path. */
export function eventually<T>(check: () => T | Promise<T>, options: { timeoutMs?: number; intervalMs?: number } = {}): Promise<Exclude<T, false>> {
  return waitFor(check, { timeoutMs: options.timeoutMs ?? 15_000, intervalMs: options.intervalMs ?? 200 });
}

export interface OrderRequest {
  customerId: string;
  items: Array<{ sku: string; quantity: number; unitPriceCents: number }>;
}

export interface PlacedOrder {
  orderId: string;
  status: string;
  version: number;
  totalCents: number;
}

export interface Timeline {
  orderId: string;
  events: Array<{ version: number; type: string; eventId: string }>;
}

export const given = {
  /** An order of two items of 500 cents (total 1000) for a customer of its own. */
  anOrderRequest(overrides: Partial<OrderRequest> = {}): OrderRequest {
    return {
      customerId: `e2e-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
      items: [{ sku: 'A', quantity: 2, unitPriceCents: 500 }],
      ...overrides,
    };
  },
};

export const when = {
  aClientPlacesAnOrder(order: OrderRequest): Promise<ApiResponse<PlacedOrder>> {
    return api().request<PlacedOrder>('POST', '/orders', order);
  },
  aClientCancelsTheOrder(orderId: string, body: Record<string, unknown> = {}): Promise<ApiResponse> {
    return api().request('POST', `/orders/${encodeURIComponent(orderId)}/cancel`, body);
  },
  aClientReadsTheTimeline(orderId: string): Promise<ApiResponse<Timeline>> {
    return api().request<Timeline>('GET', `/orders/${encodeURIComponent(orderId)}/timeline`);
  },
};

export const then = {
  /** Waits until the order's timeline lists exactly these events (version and type), in order. */
  async theTimelineEventuallyShows(
    orderId: string,
    expected: Array<{ version: number; type: string }>,
    options: { timeoutMs?: number } = {},
  ): Promise<Timeline> {
    return eventually(async () => {
      const response = await when.aClientReadsTheTimeline(orderId);
      if (response.status !== 200) throw new Error(`GET timeline answered ${response.status}: ${JSON.stringify(response.body)}`);
      const events = response.body.events.map(({ version, type }) => ({ version, type }));
      if (JSON.stringify(events) !== JSON.stringify(expected)) {
        throw new Error(`timeline of ${orderId} is ${JSON.stringify(events)}, waiting for ${JSON.stringify(expected)}`);
      }
      return response.body;
    }, options);
  },
};
