import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, test } from '@jest/globals';
import { OutboxTable } from '../../lib/constructs/outbox-table';
import { newTestStack } from './support/templates';

function synth(props: ConstructorParameters<typeof OutboxTable>[2] = {}): Template {
  const stack = newTestStack();
  new OutboxTable(stack, 'Outbox', props);
  return Template.fromStack(stack);
}

describe('OutboxTable with default props', () => {
  const template = synth();

  test('creates exactly one table', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
  });

  test('keys are pk (hash) and sk (range), both strings', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ]),
    });
  });

  test('bills per request', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', { BillingMode: 'PAY_PER_REQUEST' });
  });

  test('streams new and old images', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', { StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' } });
  });

  test('expires items on expiresAt', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', { TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } });
  });

  test('has point-in-time recovery', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  test('is encrypted with the AWS-managed key', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', { SSESpecification: { SSEEnabled: true } });
  });

  test('has the sparse FailedOutbox index (failedStatus, failedAt), projecting all attributes', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: [
        {
          IndexName: 'FailedOutbox',
          KeySchema: [
            { AttributeName: 'failedStatus', KeyType: 'HASH' },
            { AttributeName: 'failedAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: 'failedStatus', AttributeType: 'S' },
        { AttributeName: 'failedAt', AttributeType: 'S' },
      ]),
    });
  });

  test('is retained when it leaves the stack', () => {
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });
});

describe('OutboxTable outbox retention', () => {
  const build = (props: ConstructorParameters<typeof OutboxTable>[2] = {}) => new OutboxTable(newTestStack(), 'Outbox', props);

  test('is 7 days by default (outboxTtlSeconds)', () => {
    expect(build().outboxTtlSeconds).toBe(7 * 24 * 3600);
  });

  test('outboxRetention sets outboxTtlSeconds', () => {
    expect(build({ outboxRetention: Duration.days(30) }).outboxTtlSeconds).toBe(30 * 24 * 3600);
  });

  test('refuses a retention shorter than the stream keeps records (1 day)', () => {
    expect(() => build({ outboxRetention: Duration.hours(23) })).toThrow(/OutboxTable: outboxRetention \(82800 s\) is shorter than 1 day/);
  });
});

describe('OutboxTable props', () => {
  test('removalPolicy changes the deletion policy', () => {
    synth({ removalPolicy: RemovalPolicy.DESTROY }).hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
  });

  test('tableProps are merged over the defaults', () => {
    const template = synth({ tableProps: { tableName: 'orders', deletionProtection: true } });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'orders',
      DeletionProtectionEnabled: true,
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
  });

  test('refuses removalPolicy together with tableProps.removalPolicy', () => {
    expect(() =>
      synth({ removalPolicy: RemovalPolicy.DESTROY, tableProps: { removalPolicy: RemovalPolicy.RETAIN } }),
    ).toThrow(/removalPolicy or tableProps.removalPolicy, not both/);
  });
});
