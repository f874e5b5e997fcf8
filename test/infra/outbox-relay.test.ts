import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, test } from '@jest/globals';
import { OutboxRelay, type OutboxRelayProps } from '../../lib/constructs/outbox-relay';
import { OutboxTable } from '../../lib/constructs/outbox-table';
import { streamEventSourceTests } from './support/stream-event-source-suite';
import { streamPublisherTests } from './support/stream-publisher-suite';
import {
  type PropsIn,
  arnOf,
  logicalIdOf,
  managedPolicyArnsOfRole,
  newTestStack,
  permissionsOfRole,
  ref,
  resolveProps,
  statementsAllowing,
} from './support/templates';

function synth(props: PropsIn<OutboxRelayProps> = {}) {
  const stack = newTestStack();
  const table = new OutboxTable(stack, 'Outbox').table;
  const eventBus = new events.EventBus(stack, 'Bus');
  const relay = new OutboxRelay(stack, 'Relay', { table, eventBus, ...resolveProps(stack, props) });
  return { stack, table, eventBus, relay, template: Template.fromStack(stack) };
}

describe('OutboxRelay event source mapping', () => {
  const { template, table, relay } = synth();
  streamEventSourceTests({ template, table, deadLetterQueue: relay.deadLetterQueue, batchingWindowSeconds: 0, maxRecordAgeSeconds: 6 * 3600 });

  test('filters to INSERTs of OUTBOX# items, and nothing else', () => {
    const [mapping] = Object.values(template.findResources('AWS::Lambda::EventSourceMapping'));
    const filters: Array<{ Pattern: string }> = mapping.Properties.FilterCriteria.Filters;
    expect(filters).toHaveLength(1);
    expect(JSON.parse(filters[0].Pattern)).toEqual({
      eventName: ['INSERT'],
      dynamodb: { Keys: { sk: { S: [{ prefix: 'OUTBOX#' }] } } },
    });
  });
});

describe('OutboxRelay function', () => {
  const { template, table, eventBus, relay } = synth();
  const functionId = logicalIdOf(relay.function);

  test('runs Node.js 22', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { Runtime: 'nodejs22.x' });
  });

  test('runs on ARM64', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { Architectures: ['arm64'] });
  });

  test('handler is the bundle export `handler`', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { Handler: 'index.handler' });
  });

  test('has 512 MB and 60 s', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 512, Timeout: 60 });
  });

  test('knows the bus and the table', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ EVENT_BUS_NAME: ref(eventBus), OUTBOX_TABLE_NAME: ref(table) }) },
    });
  });

  test('has the Powertools environment', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'Relay',
          POWERTOOLS_METRICS_NAMESPACE: 'dualwrite',
          POWERTOOLS_LOG_LEVEL: 'INFO',
        }),
      },
    });
  });

  test('logs to its own log group with a retention', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    template.hasResourceProperties('AWS::Lambda::Function', { LoggingConfig: { LogGroup: ref(relay.logGroup) } });
  });

  test('creates no other function (no custom resources)', () => {
    expect(Object.keys(template.findResources('AWS::Lambda::Function'))).toEqual([functionId]);
  });
});

describe('OutboxRelay dead-letter queue', () => {
  const { template, relay } = synth();

  test('is encrypted with SQS-managed keys', () => {
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
  });

  test('keeps messages 14 days', () => {
    template.hasResourceProperties('AWS::SQS::Queue', { MessageRetentionPeriod: 14 * 24 * 3600 });
  });

  test('refuses requests without TLS', () => {
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [ref(relay.deadLetterQueue)],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});

describe('OutboxRelay permissions', () => {
  const { template, table, eventBus, relay } = synth();
  const roleId = logicalIdOf(relay.function.role!);

  test('puts events on the bus only', () => {
    expect(statementsAllowing(template, roleId, 'events:PutEvents').map((s) => s.Resource)).toEqual([arnOf(eventBus)]);
  });

  test('updates items of the table only (not its indexes)', () => {
    expect(statementsAllowing(template, roleId, 'dynamodb:UpdateItem').map((s) => s.Resource)).toEqual([arnOf(table)]);
  });

  test('puts items (the FAILED mark of a vanished outbox item) in the table only', () => {
    expect(statementsAllowing(template, roleId, 'dynamodb:PutItem').map((s) => s.Resource)).toEqual([arnOf(table)]);
  });

  test('reads the stream by its ARN', () => {
    expect(statementsAllowing(template, roleId, 'dynamodb:GetRecords').map((s) => s.Resource)).toEqual([
      { 'Fn::GetAtt': [logicalIdOf(table), 'StreamArn'] },
    ]);
  });

  test('sends to its dead-letter queue only', () => {
    expect(statementsAllowing(template, roleId, 'sqs:SendMessage').map((s) => s.Resource)).toEqual([arnOf(relay.deadLetterQueue)]);
  });

  test('has exactly the permissions of the stream, the bus, the two item writes, the queue and its log group', () => {
    const stream = { 'Fn::GetAtt': [logicalIdOf(table), 'StreamArn'] };
    expect(permissionsOfRole(template, roleId)).toEqual({
      'dynamodb:DescribeStream': [stream],
      'dynamodb:GetRecords': [stream],
      'dynamodb:GetShardIterator': [stream],
      'dynamodb:ListStreams': ['*'],
      'dynamodb:PutItem': [arnOf(table)],
      'dynamodb:UpdateItem': [arnOf(table)],
      'events:PutEvents': [arnOf(eventBus)],
      'sqs:SendMessage': [arnOf(relay.deadLetterQueue)],
      'logs:CreateLogStream': [arnOf(relay.logGroup)],
      'logs:PutLogEvents': [arnOf(relay.logGroup)],
    });
  });

  test('its role has no AWS-managed policy', () => {
    expect(managedPolicyArnsOfRole(template, roleId)).toEqual([]);
  });
});

describe('OutboxRelay props', () => {
  test('maxRecordAge sets the record age', () => {
    synth({ maxRecordAge: Duration.hours(1) }).template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      MaximumRecordAgeInSeconds: 3600,
    });
  });

  test('maxBatchingWindow sets the batching window', () => {
    synth({ maxBatchingWindow: Duration.seconds(2) }).template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      MaximumBatchingWindowInSeconds: 2,
    });
  });

  test('functionProps override the defaults and keep the required environment', () => {
    const { template, eventBus } = synth({ functionProps: { memorySize: 1024, environment: { EXTRA: 'x', EVENT_BUS_NAME: 'other' } } });
    template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 1024,
      Environment: { Variables: Match.objectLike({ EXTRA: 'x', EVENT_BUS_NAME: ref(eventBus) }) },
    });
  });

  test('deadLetterQueueProps are merged over the defaults', () => {
    synth({ deadLetterQueueProps: { queueName: 'relay-dlq' } }).template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: 'relay-dlq',
      SqsManagedSseEnabled: true,
    });
  });

  test('existingDeadLetterQueueObj is used instead of a new queue', () => {
    const stack = newTestStack();
    const existing = new sqs.Queue(stack, 'Existing');
    const relay = new OutboxRelay(stack, 'Relay', {
      table: new OutboxTable(stack, 'Outbox').table,
      eventBus: new events.EventBus(stack, 'Bus'),
      existingDeadLetterQueueObj: existing,
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SQS::Queue', 1);
    expect(relay.deadLetterQueue).toBe(existing);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      DestinationConfig: { OnFailure: { Destination: arnOf(existing) } },
    });
  });
});

streamPublisherTests({
  owner: 'OutboxRelay',
  build: (props) => {
    const { relay, template } = synth(props);
    return { publisher: relay, template };
  },
  service: 'Relay',
  deadLetterQueueRunbookSection: 'relay-dead-letter-queue',
});

describe('OutboxRelay validation', () => {
  test('refuses a table without a stream', () => {
    expect(() =>
      synth((stack) => ({ table: new dynamodb.Table(stack, 'NoStream', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } }) })),
    ).toThrow(
      /OutboxRelay: table .* has no stream/,
    );
  });

  test('refuses existingDeadLetterQueueObj together with deadLetterQueueProps', () => {
    expect(() =>
      synth((stack) => ({ existingDeadLetterQueueObj: new sqs.Queue(stack, 'Existing'), deadLetterQueueProps: { queueName: 'x' } })),
    ).toThrow(/OutboxRelay: provide existingDeadLetterQueueObj or deadLetterQueueProps, not both/);
  });

  test('refuses a batch size over 10000 (the event source rule)', () => {
    expect(() => synth({ batchSize: 10_001 })).toThrow(/batch size must be between 1 and 10000/);
  });
});
