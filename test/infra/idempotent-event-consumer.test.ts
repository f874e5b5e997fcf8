import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, test } from '@jest/globals';
import { IdempotentEventConsumer, type IdempotentEventConsumerProps } from '../../lib/constructs/idempotent-event-consumer';
import {
  FIXTURE_ENTRY,
  alarmProperties,
  arnOf,
  asList,
  logicalIdOf,
  managedPolicyArnsOfRole,
  newTestStack,
  permissionsOfRole,
  type PropsIn,
  ref,
  resolveProps,
  statementsAllowing,
} from './support/templates';

const PATTERN = { source: ['dualwrite.orders'], detailType: ['OrderPlaced'] };

function synth(props: PropsIn<IdempotentEventConsumerProps> = {}) {
  const stack = newTestStack();
  const eventBus = new events.EventBus(stack, 'Bus');
  const consumer = new IdempotentEventConsumer(stack, 'Consumer', {
    eventBus,
    eventPattern: PATTERN,
    entry: FIXTURE_ENTRY,
    ...resolveProps(stack, props),
  });
  return { stack, eventBus, consumer, template: Template.fromStack(stack) };
}

describe('IdempotentEventConsumer rule', () => {
  const { template, eventBus, consumer } = synth();

  test('listens on the bus with the pattern given', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: ref(eventBus),
      EventPattern: { source: ['dualwrite.orders'], 'detail-type': ['OrderPlaced'] },
    });
  });

  test('targets the queue, with the dead-letter queue for undeliverable events', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [Match.objectLike({ Arn: arnOf(consumer.queue), DeadLetterConfig: { Arn: arnOf(consumer.deadLetterQueue) } })],
    });
  });

  test('lets EventBridge (this rule only) send to the queue', () => {
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [ref(consumer.queue)],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: Match.arrayWith(['sqs:SendMessage']),
            Condition: { ArnEquals: { 'aws:SourceArn': arnOf(consumer.rule) } },
          }),
        ]),
      },
    });
  });
});

describe('IdempotentEventConsumer queue', () => {
  const { template, consumer } = synth();
  const queue = () => template.findResources('AWS::SQS::Queue')[logicalIdOf(consumer.queue)].Properties;

  test('redrives to the dead-letter queue after 5 receives', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: arnOf(consumer.deadLetterQueue), maxReceiveCount: 5 },
    });
  });

  test('visibility timeout is at least 6 × the function timeout', () => {
    const fn = template.findResources('AWS::Lambda::Function')[logicalIdOf(consumer.function)].Properties;
    expect(queue().VisibilityTimeout).toBeGreaterThanOrEqual(6 * fn.Timeout);
  });

  test('keeps messages 4 days', () => {
    expect(queue().MessageRetentionPeriod).toBe(4 * 24 * 3600);
  });

  test('is encrypted with SQS-managed keys', () => {
    expect(queue().SqsManagedSseEnabled).toBe(true);
  });

  test('refuses requests without TLS', () => {
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [ref(consumer.queue)],
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  test('its dead-letter queue keeps messages 14 days', () => {
    template.hasResourceProperties('AWS::SQS::Queue', { MessageRetentionPeriod: 14 * 24 * 3600, SqsManagedSseEnabled: true });
  });
});

describe('IdempotentEventConsumer event source mapping', () => {
  const { template, consumer } = synth();

  test('reads the queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { EventSourceArn: arnOf(consumer.queue) });
  });

  test('reports batch item failures', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { FunctionResponseTypes: ['ReportBatchItemFailures'] });
  });

  test('batch size is 10', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 10 });
  });

  test('batching window is 0 s: an event is handed on as soon as it is received', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { MaximumBatchingWindowInSeconds: 0 });
  });
});

describe('IdempotentEventConsumer idempotency table (created)', () => {
  const { template, consumer } = synth();

  test('partition key is id', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', { KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }] });
  });

  test('expires records on expiration', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', { TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true } });
  });

  test('bills per request', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', { BillingMode: 'PAY_PER_REQUEST' });
  });

  test('has point-in-time recovery', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', { PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } });
  });

  test('is encrypted with the AWS-managed key', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', { SSESpecification: { SSEEnabled: true } });
  });

  test('is named to the function', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ IDEMPOTENCY_TABLE_NAME: ref(consumer.idempotencyTable) }) },
    });
  });
});

describe('IdempotentEventConsumer function', () => {
  const { template, consumer } = synth({ functionProps: { environment: { TABLE_NAME: 'orders' } } });
  const roleId = logicalIdOf(consumer.function.role!);

  test('runs Node.js 22 on ARM64', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { Runtime: 'nodejs22.x', Architectures: ['arm64'] });
  });

  test('keeps the user environment next to its own', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ TABLE_NAME: 'orders', POWERTOOLS_SERVICE_NAME: 'Consumer' }) },
    });
  });

  test('may get, put, update and delete idempotency records, on that table only', () => {
    const statements = statementsAllowing(template, roleId, 'dynamodb:PutItem');
    expect(statements.map((s) => s.Resource)).toEqual([arnOf(consumer.idempotencyTable)]);
    expect(asList(statements[0].Action).sort()).toEqual(['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
  });

  test('may consume from its queue only', () => {
    expect(statementsAllowing(template, roleId, 'sqs:DeleteMessage').map((s) => s.Resource)).toEqual([arnOf(consumer.queue)]);
  });

  test('has exactly the permissions of its queue, its idempotency records and its log group', () => {
    const queue = [arnOf(consumer.queue)];
    const records = [arnOf(consumer.idempotencyTable)];
    expect(permissionsOfRole(template, roleId)).toEqual({
      // What the SQS event source needs (CDK's grantConsumeMessages).
      'sqs:ReceiveMessage': queue,
      'sqs:ChangeMessageVisibility': queue,
      'sqs:GetQueueUrl': queue,
      'sqs:DeleteMessage': queue,
      'sqs:GetQueueAttributes': queue,
      'dynamodb:GetItem': records,
      'dynamodb:PutItem': records,
      'dynamodb:UpdateItem': records,
      'dynamodb:DeleteItem': records,
      'logs:CreateLogStream': [arnOf(consumer.logGroup)],
      'logs:PutLogEvents': [arnOf(consumer.logGroup)],
    });
  });

  test('its role has no AWS-managed policy', () => {
    expect(managedPolicyArnsOfRole(template, roleId)).toEqual([]);
  });
});

describe('IdempotentEventConsumer dead-letter queue alarm', () => {
  const { template, consumer } = synth();
  const alarm = () => alarmProperties(template, consumer.deadLetterQueueAlarm);

  test('is the one alarm of the construct', () => {
    expect(Object.keys(template.findResources('AWS::CloudWatch::Alarm'))).toEqual([logicalIdOf(consumer.deadLetterQueueAlarm)]);
    expect(consumer.alarms).toEqual([consumer.deadLetterQueueAlarm]);
  });

  test('watches the messages visible in the dead-letter queue', () => {
    expect(alarm()).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalIdOf(consumer.deadLetterQueue), 'QueueName'] } }],
      Statistic: 'Maximum',
    });
  });

  test('fires on one message', () => {
    expect(alarm()).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 1 });
  });

  test('missing data is not a breach', () => {
    expect(alarm().TreatMissingData).toBe('notBreaching');
  });

  test('points to the runbook section consumer-dead-letter-queue', () => {
    expect(alarm().AlarmDescription).toMatch(/Runbook: docs\/runbook\.md#consumer-dead-letter-queue$/);
  });

  test('has no actions without alarmTopic', () => {
    expect(alarm().AlarmActions).toBeUndefined();
  });

  test('notifies alarmTopic on ALARM and on OK', () => {
    const stack = newTestStack();
    const alarmTopic = new sns.Topic(stack, 'Alarms');
    const other = new IdempotentEventConsumer(stack, 'Consumer', {
      eventBus: new events.EventBus(stack, 'Bus'),
      eventPattern: PATTERN,
      entry: FIXTURE_ENTRY,
      alarmTopic,
    });
    expect(alarmProperties(Template.fromStack(stack), other.deadLetterQueueAlarm)).toMatchObject({
      AlarmActions: [ref(alarmTopic)],
      OKActions: [ref(alarmTopic)],
    });
  });
});

describe('IdempotentEventConsumer props', () => {
  test('an existing idempotency table is used instead of a new one', () => {
    const stack = newTestStack();
    const shared = new dynamodb.Table(stack, 'Shared', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } });
    const consumer = new IdempotentEventConsumer(stack, 'Consumer', {
      eventBus: new events.EventBus(stack, 'Bus'),
      eventPattern: PATTERN,
      entry: FIXTURE_ENTRY,
      existingIdempotencyTableObj: shared,
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    expect(consumer.idempotencyTable).toBe(shared);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ IDEMPOTENCY_TABLE_NAME: ref(shared) }) },
    });
  });

  test('maxReceiveCount sets the redrive policy', () => {
    synth({ maxReceiveCount: 3 }).template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 3 }),
    });
  });

  test('batchSize sets the event source batch size', () => {
    synth({ batchSize: 5 }).template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 5 });
  });

  test('the visibility timeout follows a longer function timeout', () => {
    const { template, consumer } = synth({ functionProps: { timeout: Duration.seconds(100) } });
    expect(template.findResources('AWS::SQS::Queue')[logicalIdOf(consumer.queue)].Properties.VisibilityTimeout).toBeGreaterThanOrEqual(600);
  });
});

describe('IdempotentEventConsumer validation', () => {
  test('refuses existingIdempotencyTableObj together with idempotencyTableProps', () => {
    expect(() =>
      synth((stack) => ({
        existingIdempotencyTableObj: new dynamodb.Table(stack, 'Shared', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } }),
        idempotencyTableProps: {},
      })),
    ).toThrow(/IdempotentEventConsumer: provide existingIdempotencyTableObj or idempotencyTableProps, not both/);
  });

  test('refuses existingDeadLetterQueueObj together with deadLetterQueueProps', () => {
    expect(() => synth((stack) => ({ existingDeadLetterQueueObj: new sqs.Queue(stack, 'Existing'), deadLetterQueueProps: {} }))).toThrow(/IdempotentEventConsumer: provide existingDeadLetterQueueObj or deadLetterQueueProps, not both/);
  });

  test('refuses queueProps.deadLetterQueue', () => {
    expect(() => synth((stack) => ({ queueProps: { deadLetterQueue: { queue: new sqs.Queue(stack, 'Dlq'), maxReceiveCount: 2 } } }))).toThrow(/IdempotentEventConsumer: queueProps.deadLetterQueue is set/);
  });

  test('refuses a visibility timeout shorter than the function timeout', () => {
    expect(() =>
      synth({ queueProps: { visibilityTimeout: Duration.seconds(20) }, functionProps: { timeout: Duration.seconds(30) } }),
    ).toThrow(/IdempotentEventConsumer: queueProps.visibilityTimeout \(20 s\) is shorter than functionProps.timeout \(30 s\)/);
  });

  test('refuses entry together with functionProps.entry', () => {
    expect(() => synth({ functionProps: { entry: FIXTURE_ENTRY } })).toThrow(
      /IdempotentEventConsumer: provide entry or functionProps.entry, not both/,
    );
  });
});
