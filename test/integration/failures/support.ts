/**
 * Steps of the failure tests (issue 4): the whole pipeline on the emulator, wired from the real
 * pieces, plus the failures themselves (a bus that goes away, a TTL sweep) and Lambda's SQS event
 * source one poll at a time, so a test can see which records an invocation failed and redeliver them.
 *
 *   outbox table ─stream (StreamReader)─► relay handler ─PutEvents─► bus ─rule─► SQS queue
 *     ─(SqsDeliveries: receive, invoke, delete what succeeded)─► timeline consumer ─► TIMELINE item
 *                                                                               └─► idempotency table
 */
import {
  CreateEventBusCommand,
  DeleteEventBusCommand,
  DeleteRuleCommand,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  type Target,
} from '@aws-sdk/client-eventbridge';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import type { IdempotentEventConsumerHandler } from '../../../lambdas/dualwrite/consumer/idempotent-event-consumer';
import type { EventEnvelope } from '../../../lambdas/dualwrite/envelope';
import { EventBridgePublisher } from '../../../lambdas/dualwrite/relay/eventbridge-publisher';
import { OutboxFailureMarker } from '../../../lambdas/dualwrite/relay/outbox-failure-marker';
import type { RepublishOptions } from '../../../lambdas/dualwrite/relay/redrive';
import type { EventPublisher } from '../../../lambdas/dualwrite/relay/relay-algorithm';
import type { StreamRelayHandler } from '../../../lambdas/dualwrite/relay/stream-relay-handler';
import type { TimelineEntry } from '../../../lambdas/service/timeline/timeline';
import { DynamoDbTimelineRepository } from '../../../lambdas/service/timeline/dynamodb-timeline-repository';
import { makeTimelineConsumer } from '../../../lambdas/service/timeline/timeline-consumer';
import { toLambdaSqsRecord } from '../../../local/sqs-records';
import { queueArnOf } from '../../../tools/redrive/sqs-helpers';
import { lambdaContext } from '../../unit/consumer/support/sqs-events';
import { apiEvent, parseResponse } from '../../unit/service/support/api-events';
import { createIdempotencyTable, dynamoPersistence, silentLogger } from '../consumer/support';
import { detailsOf, isOutboxInsert, noMetrics, quietLogger, StreamReader } from '../relay/support';
import { outboxEnvelopes, type ServiceUnderTest } from '../service/support';
import {
  createQueueReceivingFromBus,
  documentClient,
  eventBridgeClient,
  sqsClient,
  streamArnOf,
  uniqueName,
  useLocalAwsEnvironment,
  waitFor,
} from '../support/aws';

type RelayHandlerModule = typeof import('../../../lambdas/dualwrite/relay/handler.js');
let relayModule: Promise<RelayHandlerModule> | undefined;

/**
 * The relay handler module, imported once this worker's environment points at the emulator: its
 * Powertools utilities and SDK clients are built at import (as relay.test.ts does).
 */
function importRelayModule(): Promise<RelayHandlerModule> {
  relayModule ??= (async () => {
    useLocalAwsEnvironment();
    Object.assign(process.env, {
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_SERVICE_NAME: 'failures-integration-test',
      POWERTOOLS_METRICS_NAMESPACE: 'dualwrite-test',
    });
    return import('../../../lambdas/dualwrite/relay/handler.js');
  })();
  return relayModule;
}

export interface Pipeline {
  tableName: string;
  busName: string;
  queueUrl: string;
  idempotencyTableName: string;
  /** The table's stream as the relay's event source mapping delivers it (INSERTs of outbox items). */
  stream: StreamReader;
  /** PutEvents on the emulator. */
  publisher: EventBridgePublisher;
  /** The real relay handler: the given publisher (default: the real one) and the real FAILED marker. */
  relay(publisher?: EventPublisher): Promise<StreamRelayHandler>;
  /** What the redrive library needs, with the given publisher (default: the real one). */
  redriveOptions(publisher?: EventPublisher): RepublishOptions;
  /** The real timeline consumer fed from the queue. */
  deliveries: SqsDeliveries;
  /** The aggregate's timeline entries as stored (append order), [] when it has none yet. */
  timeline(aggregateType: string, aggregateId: string): Promise<TimelineEntry[]>;
}

/**
 * Wires the pipeline behind an existing outbox table: a new bus whose rule sends `source` to a new
 * queue, a new idempotency table, and the timeline consumer over the same table.
 * `consumer` replaces the timeline consumer (a test that injects a crash builds its own).
 */
export async function pipelineFor(
  tableName: string,
  source: string,
  options: { consumer?: (timelines: DynamoDbTimelineRepository, idempotencyTableName: string) => IdempotentEventConsumerHandler } = {},
): Promise<Pipeline> {
  const streamArn = await streamArnOf(tableName);
  const busName = uniqueName('failures-bus');
  const queueUrl = await createQueueReceivingFromBus({ busName, pattern: { source: [source] } });
  const queueArn = await queueArnOf(sqsClient(), queueUrl);
  const idempotencyTableName = await createIdempotencyTable();
  const timelines = new DynamoDbTimelineRepository(documentClient(), tableName);
  const consumer =
    options.consumer?.(timelines, idempotencyTableName) ??
    makeTimelineConsumer({ timelines }, { persistenceStore: dynamoPersistence(idempotencyTableName), logger: silentLogger });
  const publisher = new EventBridgePublisher(eventBridgeClient());
  return {
    tableName,
    busName,
    queueUrl,
    idempotencyTableName,
    stream: new StreamReader(tableName, streamArn, isOutboxInsert),
    publisher,
    relay: async (chosen = publisher) =>
      (await importRelayModule()).makeOutboxRelayHandler({
        eventBusName: busName,
        publisher: chosen,
        failureSink: new OutboxFailureMarker({ documentClient: documentClient(), tableName }),
        metrics: noMetrics,
        logger: quietLogger,
        relay: { sleep: async () => {} },
      }),
    redriveOptions: (chosen = publisher) => ({ documentClient: documentClient(), tableName, publisher: chosen, eventBusName: busName }),
    deliveries: new SqsDeliveries(queueUrl, queueArn, consumer),
    timeline: async (aggregateType, aggregateId) => (await timelines.find(aggregateType, aggregateId))?.events ?? [],
  };
}

/**
 * The records Lambda hands the function again after it answered `batchItemFailures`: the batch
 * from the named record on (ReportBatchItemFailures checkpoints just before it).
 */
export function retryFromCheckpoint(batch: DynamoDBStreamEvent, response: DynamoDBBatchResponse): DynamoDBStreamEvent {
  const [checkpoint] = response.batchItemFailures;
  if (checkpoint === undefined) return { Records: [] };
  const from = batch.Records.findIndex((record) => record.dynamodb?.SequenceNumber === checkpoint.itemIdentifier);
  if (from === -1) throw new Error(`checkpoint ${checkpoint.itemIdentifier} names no record of the batch`);
  return { Records: batch.Records.slice(from) };
}

/** A bus's rules and their targets, as they were before the bus was deleted. */
export interface DeletedBus {
  busName: string;
  rules: Array<{ name: string; eventPattern: string; targets: Target[] }>;
}

/** Deletes the bus with its rules (targets first, then rules, then the bus, as AWS requires), remembering them. */
export async function deleteBus(busName: string): Promise<DeletedBus> {
  const events = eventBridgeClient();
  const { Rules = [] } = await events.send(new ListRulesCommand({ EventBusName: busName }));
  const deleted: DeletedBus = { busName, rules: [] };
  for (const rule of Rules) {
    const name = rule.Name ?? '';
    const { Targets = [] } = await events.send(new ListTargetsByRuleCommand({ Rule: name, EventBusName: busName }));
    deleted.rules.push({ name, eventPattern: rule.EventPattern ?? '', targets: Targets });
    if (Targets.length > 0) {
      await events.send(new RemoveTargetsCommand({ Rule: name, EventBusName: busName, Ids: Targets.map((target) => target.Id ?? '') }));
    }
    await events.send(new DeleteRuleCommand({ Name: name, EventBusName: busName }));
  }
  await events.send(new DeleteEventBusCommand({ Name: busName }));
  return deleted;
}

/** Creates the bus again with the same rules and targets. */
export async function recreateBus(deleted: DeletedBus): Promise<void> {
  const events = eventBridgeClient();
  await events.send(new CreateEventBusCommand({ Name: deleted.busName }));
  for (const rule of deleted.rules) {
    await events.send(new PutRuleCommand({ Name: rule.name, EventBusName: deleted.busName, EventPattern: rule.eventPattern }));
    await events.send(new PutTargetsCommand({ Rule: rule.name, EventBusName: deleted.busName, Targets: rule.targets }));
  }
}

/** One record of one consumer invocation. */
export interface Delivery {
  messageId: string;
  /** SQS's receive count: 1 on the first delivery, more on redeliveries. */
  receiveCount: number;
  /** The EventBridge event's own id (new on every publish). */
  eventBridgeId: string;
  detail: EventEnvelope;
  /** Named in the invocation's `batchItemFailures` (or the invocation threw): SQS delivers it again. */
  failed: boolean;
}

/**
 * Lambda's SQS event source, one poll at a time: receive up to 10 messages, invoke the consumer with
 * them as Lambda SQS records, delete the records that succeeded. A failed record stays in the queue;
 * SQS would show it again after the visibility timeout, here it is made visible at once so that a
 * test need not wait for it.
 */
export class SqsDeliveries {
  constructor(
    private readonly queueUrl: string,
    private readonly queueArn: string,
    private readonly consumer: IdempotentEventConsumerHandler,
  ) {}

  /** One invocation with what the queue holds now; [] (and no invocation) when it holds nothing. */
  async pollOnce(context: Context = lambdaContext()): Promise<Delivery[]> {
    const { Messages = [] } = await sqsClient().send(
      new ReceiveMessageCommand({ QueueUrl: this.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageSystemAttributeNames: ['All'] }),
    );
    if (Messages.length === 0) return [];
    const records = Messages.map((message) => toLambdaSqsRecord(message, this.queueArn));
    let failedIds: Set<string>;
    try {
      const response = await this.consumer({ Records: records }, context);
      failedIds = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
    } catch {
      failedIds = new Set(records.map((record) => record.messageId)); // the invocation failed: nothing is deleted
    }
    const acknowledged = records.filter((record) => !failedIds.has(record.messageId));
    const failed = records.filter((record) => failedIds.has(record.messageId));
    if (acknowledged.length > 0) {
      await sqsClient().send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: acknowledged.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })),
        }),
      );
    }
    if (failed.length > 0) {
      await sqsClient().send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: failed.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle, VisibilityTimeout: 0 })),
        }),
      );
    }
    const details = detailsOf(Messages);
    return Messages.map((message, index) => ({
      messageId: message.MessageId ?? '',
      receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? '1'),
      eventBridgeId: (JSON.parse(message.Body ?? '{}') as { id: string }).id,
      detail: details[index] as EventEnvelope,
      failed: failedIds.has(message.MessageId ?? ''),
    }));
  }

  /**
   * Polls until the queue is empty, or until it holds only messages that failed before and failed
   * again with nothing else acknowledged in between (parked: early events waiting for a gap to
   * fill). Returns every delivery of every invocation, in order.
   */
  async drain(options: { timeoutMs?: number } = {}): Promise<Delivery[][]> {
    const invocations: Delivery[][] = [];
    let failedSinceProgress = new Set<string>();
    await waitFor(
      async () => {
        const deliveries = await this.pollOnce();
        if (deliveries.length === 0) return true;
        invocations.push(deliveries);
        const parkedOnly =
          deliveries.length < 10 && deliveries.every((delivery) => delivery.failed && failedSinceProgress.has(delivery.messageId));
        if (parkedOnly) return true;
        if (deliveries.some((delivery) => !delivery.failed)) failedSinceProgress = new Set();
        for (const delivery of deliveries) if (delivery.failed) failedSinceProgress.add(delivery.messageId);
        return false;
      },
      { timeoutMs: options.timeoutMs ?? 20_000, intervalMs: 0 },
    );
    return invocations;
  }
}

/** Messages in the queue, visible or not (moto's counts are exact). */
export async function queueDepth(queueUrl: string): Promise<number> {
  const { Attributes } = await sqsClient().send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages ?? 0) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
}

/** Waits until the bus has delivered at least `count` messages to the queue. */
export async function waitForQueueDepth(queueUrl: string, count: number): Promise<void> {
  await waitFor(async () => (await queueDepth(queueUrl)) >= count);
}

/** What the timeline should hold for these events: one entry each, in version order. */
export function entriesOf(events: readonly EventEnvelope[]): TimelineEntry[] {
  return [...events].sort((a, b) => a.aggregateVersion - b.aggregateVersion).map((event) => ({ version: event.aggregateVersion, type: event.type, eventId: event.id }));
}

/** POST /orders through the service's API handler (order + OrderPlaced in one transaction); the order id. */
export async function placeOrderThroughApi(service: ServiceUnderTest): Promise<string> {
  const placed = parseResponse(
    await service.api(apiEvent({ method: 'POST', resource: '/orders', body: { customerId: 'c', items: [{ sku: 'A', quantity: 1, unitPriceCents: 100 }] } })),
  );
  if (placed.statusCode !== 201) throw new Error(`POST /orders answered ${placed.statusCode}: ${JSON.stringify(placed.json)}`);
  return placed.json.orderId as string;
}

/** POST /orders/{orderId}/cancel through the service's API handler (order + OrderCancelled). */
export async function cancelOrderThroughApi(service: ServiceUnderTest, orderId: string): Promise<void> {
  const cancelled = parseResponse(await service.api(apiEvent({ method: 'POST', resource: '/orders/{orderId}/cancel', pathParameters: { orderId } })));
  if (cancelled.statusCode !== 200) throw new Error(`cancel answered ${cancelled.statusCode}: ${JSON.stringify(cancelled.json)}`);
}

/** Every committed event of each order, read from the outbox itself. */
export async function committedEvents(service: ServiceUnderTest, orderIds: readonly string[]): Promise<Map<string, EventEnvelope[]>> {
  return new Map(await Promise.all(orderIds.map(async (orderId) => [orderId, await outboxEnvelopes(service.tableName, `ORDER#${orderId}`)] as const)));
}
