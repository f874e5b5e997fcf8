/**
 * A fault-injecting HTTP proxy in front of the emulator: the Lambda workers' `AWS_ENDPOINT_URL`
 * (and the naive dual write's clients) point at it during a chaos run. It sits below the SDK, on
 * the wire, where real EventBridge failures show up, so the service's code runs unchanged, SDK
 * retries included.
 *
 * Everything is forwarded as is, except `AWSEvents.PutEvents` calls (recognised by the
 * `X-Amz-Target` header), which the fault plan may answer with:
 * - `unavailable`: 503 `ServiceUnavailableException`, nothing forwarded;
 * - `throttled`: 400 `ThrottlingException` for the whole call, nothing forwarded;
 * - `partial`: only the entries not marked failed are forwarded; the answer is the emulator's,
 *   with the failed entries put back in their places with their `ErrorCode` (a failed entry was
 *   never delivered, as in EventBridge);
 * - `acceptedThenFailed`: forwarded in full, then answered 500 `InternalFailure` (the answer was
 *   lost on the way back; the events are on the bus).
 *
 * And `DynamoDB_20120810.TransactWriteItems` calls (the commands' and the payments consumer's
 * commits), which the plan may refuse, nothing forwarded, with DynamoDB's own
 * `TransactionCanceledException` naming one item `TransactionConflict` or `ThrottlingError` (the
 * SDK does not retry it: the caller sees it).
 */
import { Agent, createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PutEventsEntryLike, PutEventsFault, TransactWriteFault } from './fault-plan';

interface PutEventsRequestBody {
  Entries?: PutEventsEntryLike[];
  [key: string]: unknown;
}

interface PutEventsResponseBody {
  FailedEntryCount?: number;
  Entries?: Array<Record<string, unknown>>;
}

/**
 * Splits a PutEvents request for a partial failure: the body to forward (the surviving entries)
 * and how to build the caller's answer from the emulator's answer to it.
 */
export function partialPutEvents(
  requestBody: PutEventsRequestBody,
  failed: ReadonlyMap<number, string>,
): { forwardBody: PutEventsRequestBody | undefined; merge(forwardedResponse: PutEventsResponseBody | undefined): PutEventsResponseBody } {
  const entries = requestBody.Entries ?? [];
  const kept = entries.filter((_, index) => !failed.has(index));
  return {
    forwardBody: kept.length > 0 ? { ...requestBody, Entries: kept } : undefined,
    merge(forwardedResponse) {
      const forwarded = forwardedResponse?.Entries ?? [];
      let next = 0;
      let failedCount = 0;
      const merged = entries.map((_, index) => {
        const code = failed.get(index);
        const result = code !== undefined ? { ErrorCode: code, ErrorMessage: `fault injected: ${code}` } : (forwarded[next++] ?? {});
        if (result.ErrorCode !== undefined) failedCount += 1;
        return result;
      });
      return { FailedEntryCount: failedCount, Entries: merged };
    },
  };
}

/** DynamoDB's answer to a transaction it cancelled: one reason per item, `None` for the items that were fine. */
export function transactionCanceled(itemCount: number, fault: Extract<TransactWriteFault, { kind: 'refused' }>): Record<string, unknown> {
  const reasons = Array.from({ length: itemCount }, (_, index) =>
    index === fault.itemIndex ? { Code: fault.code, Message: `fault injected: ${fault.code}` } : { Code: 'None' },
  );
  return {
    __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
    Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((reason) => reason.Code).join(', ')}]`,
    CancellationReasons: reasons,
  };
}

export interface FaultProxyOptions {
  /** The emulator, e.g. `http://127.0.0.1:4566`. */
  upstream: string;
  planPutEvents(entries: readonly PutEventsEntryLike[]): PutEventsFault;
  /** @default every call forwarded */
  planTransactWrite?(itemCount: number): TransactWriteFault;
  /** @default 0 (a free port) */
  port?: number;
}

export interface RunningFaultProxy {
  endpoint: string;
  stop(): Promise<void>;
}

interface UpstreamAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host']);

export async function startFaultProxy(options: FaultProxyOptions): Promise<RunningFaultProxy> {
  const upstream = new URL(options.upstream);
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });

  const forward = (method: string, path: string, headers: IncomingHttpHeaders, body: Buffer) =>
    new Promise<UpstreamAnswer>((resolve, reject) => {
      const outgoing: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) outgoing[name] = value;
      outgoing['content-length'] = String(body.length);
      outgoing.host = upstream.host;
      const call = request({ host: upstream.hostname, port: upstream.port, method, path, headers: outgoing, agent }, (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('error', reject);
        answer.on('end', () => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: Buffer.concat(chunks) }));
      });
      call.on('error', reject);
      call.end(body);
    });

  const server: Server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        const method = incoming.method ?? 'GET';
        const path = incoming.url ?? '/';
        const reply = (status: number, headers: Record<string, string>, payload: Buffer | string) => {
          const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload;
          outgoing.writeHead(status, { ...headers, 'content-length': String(bytes.length) });
          outgoing.end(bytes);
        };
        const passThrough = (answer: UpstreamAnswer) => {
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(answer.headers)) {
            if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
          }
          reply(answer.status, headers, answer.body);
        };
        const jsonError = (status: number, type: string, message: string) =>
          reply(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': type }, JSON.stringify({ __type: type, message }));
        try {
          if (incoming.headers['x-amz-target'] === 'DynamoDB_20120810.TransactWriteItems' && options.planTransactWrite !== undefined) {
            const items = (JSON.parse(body.toString('utf8')) as { TransactItems?: unknown[] }).TransactItems ?? [];
            const fault = options.planTransactWrite(items.length);
            if (fault.kind === 'refused') {
              reply(400, { 'content-type': 'application/x-amz-json-1.0' }, JSON.stringify(transactionCanceled(items.length, fault)));
              return;
            }
          }
          if (incoming.headers['x-amz-target'] !== 'AWSEvents.PutEvents') {
            passThrough(await forward(method, path, incoming.headers, body));
            return;
          }
          const parsed = JSON.parse(body.toString('utf8')) as PutEventsRequestBody;
          const fault = options.planPutEvents(parsed.Entries ?? []);
          switch (fault.kind) {
            case 'none':
              passThrough(await forward(method, path, incoming.headers, body));
              return;
            case 'unavailable':
              jsonError(503, 'ServiceUnavailableException', 'fault injected: EventBridge is unavailable');
              return;
            case 'throttled':
              jsonError(400, 'ThrottlingException', 'fault injected: Rate exceeded');
              return;
            case 'acceptedThenFailed':
              await forward(method, path, incoming.headers, body);
              jsonError(500, 'InternalException', 'fault injected: the answer was lost after the events were accepted');
              return;
            case 'partial': {
              const split = partialPutEvents(parsed, fault.failed);
              let forwarded: PutEventsResponseBody | undefined;
              if (split.forwardBody !== undefined) {
                const answer = await forward(method, path, incoming.headers, Buffer.from(JSON.stringify(split.forwardBody)));
                if (answer.status !== 200) {
                  passThrough(answer);
                  return;
                }
                forwarded = JSON.parse(answer.body.toString('utf8')) as PutEventsResponseBody;
              }
              reply(200, { 'content-type': 'application/x-amz-json-1.1' }, JSON.stringify(split.merge(forwarded)));
              return;
            }
          }
        } catch (error) {
          if (!outgoing.headersSent) jsonError(502, 'ProxyError', `fault proxy: ${error instanceof Error ? error.message : String(error)}`);
          else outgoing.destroy();
        }
      })();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
        agent.destroy();
      }),
  };
}
