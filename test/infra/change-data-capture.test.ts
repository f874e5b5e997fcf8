import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import { FilterCriteria, FilterRule } from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, test } from '@jest/globals';
import { ChangeDataCapture, type ChangeDataCaptureProps } from '../../lib/constructs/change-data-capture';
import { OutboxTable } from '../../lib/constructs/outbox-table';
import { Duration } from 'aws-cdk-lib';
import { streamEventSourceTests } from './support/stream-event-source-suite';
import { streamPublisherTests } from './support/stream-publisher-suite';
import {
  FIXTURE_ENTRY,
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
  statementsOfRole,
} from './support/templates';

const CUSTOMER_FILTER = FilterCriteria.filter({
  dynamodb: { Keys: { pk: { S: FilterRule.beginsWith('CUSTOMER#') }, sk: { S: FilterRule.isEqual('STATE') } } },
});

function synth(props: PropsIn<ChangeDataCaptureProps> = {}) {
  const stack = newTestStack();
  const table = new OutboxTable(stack, 'Outbox').table;
  const eventBus = new events.EventBus(stack, 'Bus');
  const cdc = new ChangeDataCapture(stack, 'Changes', {
    table,
    eventBus,
    entry: FIXTURE_ENTRY,
    filterPatterns: [CUSTOMER_FILTER],
    ...resolveProps(stack, props),
  });
  return { stack, table, eventBus, cdc, template: Template.fromStack(stack) };
}

describe('ChangeDataCapture event source mapping', () => {
  const { template, table, cdc } = synth();
  streamEventSourceTests({ template, table, deadLetterQueue: cdc.deadLetterQueue, batchingWindowSeconds: 1, maxRecordAgeSeconds: 3600 });

  test('uses the filter patterns given, exactly', () => {
    const [mapping] = Object.values(template.findResources('AWS::Lambda::EventSourceMapping'));
    const filters: Array<{ Pattern: string }> = mapping.Properties.FilterCriteria.Filters;
    expect(filters.map((filter) => JSON.parse(filter.Pattern))).toEqual([
      { dynamodb: { Keys: { pk: { S: [{ prefix: 'CUSTOMER#' }] }, sk: { S: ['STATE'] } } } },
    ]);
  });
});

describe('ChangeDataCapture function', () => {
  const { template, table, eventBus, cdc } = synth();
  const roleId = logicalIdOf(cdc.function.role!);

  test('runs Node.js 22 on ARM64', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { Runtime: 'nodejs22.x', Architectures: ['arm64'] });
  });

  test('knows the bus and the table', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ EVENT_BUS_NAME: ref(eventBus), OUTBOX_TABLE_NAME: ref(table) }) },
    });
  });

  test('puts events on the bus only', () => {
    expect(statementsAllowing(template, roleId, 'events:PutEvents').map((s) => s.Resource)).toEqual([arnOf(eventBus)]);
  });

  test('puts items (failure records) in the table only', () => {
    expect(statementsAllowing(template, roleId, 'dynamodb:PutItem').map((s) => s.Resource)).toEqual([arnOf(table)]);
  });

  test('may not update or delete items', () => {
    const actions = statementsOfRole(template, roleId).flatMap((s) => asList(s.Action));
    expect(actions).not.toContain('dynamodb:UpdateItem');
    expect(actions).not.toContain('dynamodb:DeleteItem');
  });

  test('has exactly the permissions of the stream, the bus, the failure-record put, the queue and its log group', () => {
    const stream = { 'Fn::GetAtt': [logicalIdOf(table), 'StreamArn'] };
    expect(permissionsOfRole(template, roleId)).toEqual({
      'dynamodb:DescribeStream': [stream],
      'dynamodb:GetRecords': [stream],
      'dynamodb:GetShardIterator': [stream],
      'dynamodb:ListStreams': ['*'],
      'dynamodb:PutItem': [arnOf(table)],
      'events:PutEvents': [arnOf(eventBus)],
      'sqs:SendMessage': [arnOf(cdc.deadLetterQueue)],
      'logs:CreateLogStream': [arnOf(cdc.logGroup)],
      'logs:PutLogEvents': [arnOf(cdc.logGroup)],
    });
  });

  test('its role has no AWS-managed policy', () => {
    expect(managedPolicyArnsOfRole(template, roleId)).toEqual([]);
  });

  test('its dead-letter queue is encrypted and keeps messages 14 days', () => {
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
  });
});

describe('ChangeDataCapture props', () => {
  test('maxRecordAge sets the record age', () => {
    synth({ maxRecordAge: Duration.hours(3) }).template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      MaximumRecordAgeInSeconds: 3 * 3600,
    });
  });

  test('maxBatchingWindow sets the batching window', () => {
    synth({ maxBatchingWindow: Duration.seconds(0) }).template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      MaximumBatchingWindowInSeconds: 0,
    });
  });
});

streamPublisherTests({
  owner: 'ChangeDataCapture',
  build: (props) => {
    const { cdc, template } = synth(props);
    return { publisher: cdc, template };
  },
  service: 'Changes',
  deadLetterQueueRunbookSection: 'cdc-dead-letter-queue',
});

describe('ChangeDataCapture validation', () => {
  test('refuses an empty filterPatterns', () => {
    expect(() => synth({ filterPatterns: [] })).toThrow(/ChangeDataCapture: filterPatterns is empty/);
  });

  test('refuses entry together with functionProps.entry', () => {
    expect(() => synth({ functionProps: { entry: FIXTURE_ENTRY } })).toThrow(/ChangeDataCapture: provide entry or functionProps.entry, not both/);
  });

  test('refuses a table without a stream', () => {
    expect(() =>
      synth((stack) => ({ table: new dynamodb.Table(stack, 'NoStream', { partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING } }) })),
    ).toThrow(/ChangeDataCapture: table .* has no stream/);
  });

  test('refuses existingDeadLetterQueueObj together with deadLetterQueueProps', () => {
    expect(() => synth((stack) => ({ existingDeadLetterQueueObj: new sqs.Queue(stack, 'Existing'), deadLetterQueueProps: {} }))).toThrow(/ChangeDataCapture: provide existingDeadLetterQueueObj or deadLetterQueueProps, not both/);
  });
});
