import { DescribeTableCommand, DescribeTimeToLiveCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeRuleCommand, ListTargetsByRuleCommand, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from '@jest/globals';

import type { PseudoParameters } from '../../../local/intrinsics';
import type { RuntimeLog } from '../../../local/log';
import { provisionResources } from '../../../local/resources';
import type { CfnTemplate } from '../../../local/template';
import { dynamoClient, eventBridgeClient, receiveAll, sqsClient, uniqueName } from '../support/aws';

function recordingLog(): RuntimeLog & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, debug: () => {}, info: () => {}, warn: (message) => warnings.push(message), error: () => {}, functionOutput: () => {} };
}

/** A template shaped like the sample stack's: table, bus + archive, rule → queue with a DLQ, and things that need nothing. */
function template(): CfnTemplate {
  return {
    Resources: {
      Table: {
        Type: 'AWS::DynamoDB::Table',
        Properties: {
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
            { AttributeName: 'failedStatus', AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          BillingMode: 'PAY_PER_REQUEST',
          GlobalSecondaryIndexes: [{ IndexName: 'Failed', KeySchema: [{ AttributeName: 'failedStatus', KeyType: 'HASH' }], Projection: { ProjectionType: 'ALL' } }],
          StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
          TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          SSESpecification: { SSEEnabled: true },
        },
      },
      Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: { 'Fn::Join': ['-', [{ Ref: 'AWS::StackName' }, 'events']] } } },
      Archive: {
        Type: 'AWS::Events::Archive',
        Properties: { SourceArn: { 'Fn::GetAtt': ['Bus', 'Arn'] }, EventPattern: { source: ['test.source'] }, RetentionDays: 30, KmsKeyIdentifier: '' },
      },
      DeadLetterQueue: { Type: 'AWS::SQS::Queue', Properties: { MessageRetentionPeriod: 1209600, SqsManagedSseEnabled: true } },
      Queue: {
        Type: 'AWS::SQS::Queue',
        Properties: {
          VisibilityTimeout: 181,
          MessageRetentionPeriod: 345600,
          RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] }, maxReceiveCount: 5 },
        },
      },
      QueuePolicy: {
        Type: 'AWS::SQS::QueuePolicy',
        Properties: {
          Queues: [{ Ref: 'Queue' }],
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': ['Queue', 'Arn'] } }],
          },
        },
      },
      Rule: {
        Type: 'AWS::Events::Rule',
        Properties: {
          EventBusName: { Ref: 'Bus' },
          EventPattern: { source: ['test.source'] },
          State: 'ENABLED',
          Targets: [{ Id: 'Target0', Arn: { 'Fn::GetAtt': ['Queue', 'Arn'] }, DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] } } }],
        },
      },
      Role: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: {} } },
      Function: { Type: 'AWS::Lambda::Function', Properties: { Role: { 'Fn::GetAtt': ['Role', 'Arn'] }, Environment: { Variables: { TABLE_NAME: { Ref: 'Table' } } } } },
      Mystery: { Type: 'AWS::Mystery::Thing', Properties: {} },
    },
  };
}

describe('creating the template resources in the emulator', () => {
  it('creates tables, buses, archives, rules and queues, resolves references, and reuses them on a second run', async () => {
    const stackName = uniqueName('LocalStack').replace(/_/g, '-');
    const pseudo: PseudoParameters = {
      region: 'us-east-1',
      accountId: '123456789012',
      partition: 'aws',
      urlSuffix: 'amazonaws.com',
      stackName,
      stackId: `arn:aws:cloudformation:us-east-1:123456789012:stack/${stackName}/local`,
    };
    const clients = { dynamodb: dynamoClient(), sqs: sqsClient(), eventbridge: eventBridgeClient() };
    const log = recordingLog();

    const first = await provisionResources({ template: template(), pseudo, clients, log });

    const tableName = first.resolve({ Ref: 'Table' }) as string;
    expect(tableName).toBe(`${stackName}-Table`);
    const { Table } = await dynamoClient().send(new DescribeTableCommand({ TableName: tableName }));
    expect(Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName)).toEqual(['Failed']);
    expect(first.resolve({ 'Fn::GetAtt': ['Table', 'StreamArn'] })).toBe(Table?.LatestStreamArn);
    const { TimeToLiveDescription } = await dynamoClient().send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    expect(TimeToLiveDescription).toMatchObject({ AttributeName: 'expiresAt', TimeToLiveStatus: 'ENABLED' });

    const queueUrl = first.resolve({ Ref: 'Queue' }) as string;
    const { Attributes } = await sqsClient().send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }));
    expect(Attributes).toMatchObject({ VisibilityTimeout: '181', MessageRetentionPeriod: '345600' });
    expect(JSON.parse(Attributes!.RedrivePolicy!)).toEqual({
      deadLetterTargetArn: first.resolve({ 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] }),
      maxReceiveCount: 5,
    });
    expect(JSON.parse(Attributes!.Policy!).Statement[0].Resource).toBe(Attributes!.QueueArn);

    const busName = `${stackName}-events`;
    expect(first.resolve({ Ref: 'Bus' })).toBe(busName);
    const ruleName = `${stackName}-Rule`;
    expect(first.resolve({ Ref: 'Rule' })).toBe(`${busName}|${ruleName}`);
    const rule = await eventBridgeClient().send(new DescribeRuleCommand({ Name: ruleName, EventBusName: busName }));
    expect(JSON.parse(rule.EventPattern!)).toEqual({ source: ['test.source'] });
    const { Targets } = await eventBridgeClient().send(new ListTargetsByRuleCommand({ Rule: ruleName, EventBusName: busName }));
    expect(Targets?.map((target) => target.Arn)).toEqual([Attributes!.QueueArn]);
    await eventBridgeClient().send(
      new PutEventsCommand({ Entries: [{ EventBusName: busName, Source: 'test.source', DetailType: 'Ping', Detail: '{"n":1}' }] }),
    );
    expect(await receiveAll(queueUrl, { expected: 1 })).toHaveLength(1);

    // Things that run in-process or need nothing still resolve; unknown types warn and get placeholders.
    expect(first.resolve({ 'Fn::GetAtt': ['Function', 'Arn'] })).toBe(`arn:aws:lambda:us-east-1:123456789012:function:${stackName}-Function`);
    expect(first.resolve({ 'Fn::GetAtt': ['Role', 'Arn'] })).toBe(`arn:aws:iam::123456789012:role/${stackName}-Role`);
    expect(log.warnings.some((warning) => warning.includes('AWS::Mystery::Thing (Mystery)'))).toBe(true);

    // A second run on the same emulator reuses everything, data included.
    await dynamoClient().send(new PutItemCommand({ TableName: tableName, Item: { pk: { S: 'kept' }, sk: { S: 'STATE' } } }));
    const second = await provisionResources({ template: template(), pseudo, clients, log: recordingLog() });
    expect(second.resolve({ Ref: 'Table' })).toBe(tableName);
    expect(second.resolve({ Ref: 'Queue' })).toBe(queueUrl);
    expect(second.resolve({ 'Fn::GetAtt': ['Table', 'StreamArn'] })).toBe(Table?.LatestStreamArn);
    const { Item } = await dynamoClient().send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: 'kept' }, sk: { S: 'STATE' } } }));
    expect(Item).toBeDefined();
  });
});
