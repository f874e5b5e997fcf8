/**
 * Command path: the latency a caller waits for when placing an order, written the outbox way (the
 * service's real `DynamoDbOrderRepository.create`: one TransactWriteItems of the order and its
 * outbox item) versus the naive dual write (PutItem of the order, then PutEvents of its event; that
 * variant lives only here). One emulator, the stack's own table, bus, rules, targets and archive
 * provisioned from the synthesized template (no Lambda runs, so nothing else loads the emulator),
 * and the two variants alternate request by request so they share whatever load the machine has.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { newEnvelope, newEventId, toPutEventsEntry, type EventEnvelope } from '../lambdas/dualwrite/envelope';
import { DynamoDbOrderRepository } from '../lambdas/service/orders/dynamodb-order-repository';
import { orderPartitionKey, STATE_SORT_KEY } from '../lambdas/service/keys';
import { orderPlacedEvent, placeNewOrder, type Order } from '../lambdas/service/orders/order';
import { LOCAL_AWS_REGION, startEmulator } from '../local/emulator';
import type { RuntimeLog } from '../local/log';
import { provisionResources } from '../local/resources';
import { synthesizeStack } from '../local/synth';
import type { CfnTemplate } from '../local/template';
import { distribution } from './lib/stats';
import type { CommandPathResult } from './lib/results';

export interface CommandPathBenchOptions {
  /** Samples per variant. @default 200 */
  samples?: number;
  warmup?: number;
  /** A template synthesized already (the runner shares one synth); otherwise one is synthesized without bundling. */
  template?: CfnTemplate;
  stackName?: string;
  onProgress?: (done: number, total: number) => void;
}

const quietLog: RuntimeLog = {
  debug: () => undefined,
  info: () => undefined,
  warn: (message) => process.stderr.write(`command-path: ${message}\n`),
  error: (message) => process.stderr.write(`command-path: ${message}\n`),
  functionOutput: () => undefined,
};

function newOrder(index: number): { order: Order; event: EventEnvelope } {
  const now = new Date();
  const order = placeNewOrder(
    { orderId: newEventId(now), customerId: `bench-${index % 17}`, items: [{ sku: 'A', quantity: 1 + (index % 3), unitPriceCents: 500 }] },
    now,
  );
  return { order, event: newEnvelope(orderPlacedEvent(order, `bench-corr-${index}`), now) };
}

export async function runCommandPathBench(options: CommandPathBenchOptions = {}): Promise<CommandPathResult> {
  const samples = options.samples ?? 200;
  const warmup = options.warmup ?? 10;
  let template = options.template;
  let stackName = options.stackName ?? 'Dualwrite';
  if (template === undefined) {
    const outdir = mkdtempSync(path.join(os.tmpdir(), 'dualwrite-bench-synth-'));
    try {
      const stack = synthesizeStack({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
      template = stack.template;
      stackName = stack.stackName;
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }
  const emulator = await startEmulator({ port: 0 });
  const clientConfig = { endpoint: emulator.endpoint, region: LOCAL_AWS_REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  const dynamodb = new DynamoDBClient(clientConfig);
  const eventbridge = new EventBridgeClient(clientConfig);
  const sqs = new SQSClient(clientConfig);
  try {
    const provisioned = await provisionResources({
      template,
      pseudo: {
        region: LOCAL_AWS_REGION,
        accountId: '123456789012',
        partition: 'aws',
        urlSuffix: 'amazonaws.com',
        stackName,
        stackId: `arn:aws:cloudformation:${LOCAL_AWS_REGION}:123456789012:stack/${stackName}/bench`,
      },
      clients: { dynamodb, sqs, eventbridge },
      log: quietLog,
    });
    const output = (key: string): string => {
      const value = provisioned.resolve(template.Outputs?.[key]?.Value);
      if (typeof value !== 'string') throw new Error(`the template has no ${key} output that resolves to a string`);
      return value;
    };
    const tableName = output('TableName');
    const eventBusName = output('EventBusName');
    const documentClient = DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } });
    const repository = new DynamoDbOrderRepository(documentClient, tableName);

    const outbox = async (index: number) => {
      const { order, event } = newOrder(index);
      await repository.create(order, event);
    };
    const naive = async (index: number) => {
      const { order, event } = newOrder(index);
      await documentClient.send(
        new PutCommand({
          TableName: tableName,
          Item: { pk: orderPartitionKey(order.orderId), sk: STATE_SORT_KEY, entityType: 'Order', ...order },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      const answer = await eventbridge.send(new PutEventsCommand({ Entries: [{ ...toPutEventsEntry(event, eventBusName) }] }));
      if ((answer.FailedEntryCount ?? 0) > 0) throw new Error(`PutEvents failed: ${JSON.stringify(answer.Entries)}`);
    };
    const timed = async (work: () => Promise<void>): Promise<number> => {
      const startedAt = performance.now();
      await work();
      return performance.now() - startedAt;
    };

    for (let i = 0; i < warmup; i++) {
      await outbox(i);
      await naive(i);
    }
    const outboxMs: number[] = [];
    const naiveMs: number[] = [];
    for (let i = 0; i < samples; i++) {
      // Alternate which goes first, so neither always follows the other's after-effects.
      if (i % 2 === 0) {
        outboxMs.push(await timed(() => outbox(i)));
        naiveMs.push(await timed(() => naive(i)));
      } else {
        naiveMs.push(await timed(() => naive(i)));
        outboxMs.push(await timed(() => outbox(i)));
      }
      options.onProgress?.(i + 1, samples);
    }
    const o = distribution(outboxMs);
    const n = distribution(naiveMs);
    return {
      outboxP50Ms: o.p50,
      naiveP50Ms: n.p50,
      ratio: o.p50 / n.p50,
      outboxP90Ms: o.p90,
      naiveP90Ms: n.p90,
      n: samples,
      outboxSamplesMs: outboxMs,
      naiveSamplesMs: naiveMs,
    };
  } finally {
    dynamodb.destroy();
    eventbridge.destroy();
    sqs.destroy();
    await emulator.stop();
  }
}

if (require.main === module) {
  const samples = Number(process.argv[2] ?? 200);
  runCommandPathBench({ samples, onProgress: (done, total) => process.stderr.write(`\rcommand path ${done}/${total}`) })
    .then(({ outboxSamplesMs: _o, naiveSamplesMs: _n, ...result }) => {
      process.stderr.write('\n');
      console.log(JSON.stringify(result, null, 2));
    })
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.stack : error);
      process.exit(1);
    });
}
