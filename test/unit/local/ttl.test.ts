import type { _Record } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from '@jest/globals';

import { toLambdaDynamoDBRecord } from '../../../local/dynamodb-stream-records';
import { resolveIntrinsics, type IntrinsicScope } from '../../../local/intrinsics';
import type { CfnTemplate } from '../../../local/template';
import { tableNameFromStreamArn as tableNameOfStreamArn } from '../../../lambdas/dualwrite/relay/stream-records';
import { canonicalKey, TtlDeletions, TTL_USER_IDENTITY } from '../../../local/ttl-deletions';
import {
  DEFAULT_TTL_SWEEP_INTERVAL_MS,
  expiredItemsScan,
  expiredTtlValue,
  TTL_MAXIMUM_AGE_SECONDS,
  ttlSweepIntervalFromEnv,
  ttlTablesOf,
} from '../../../local/ttl-sweeper';

const NOW = 1_800_000_000; // epoch seconds
const streamArn = 'arn:aws:dynamodb:us-east-1:123456789012:table/Orders/stream/2026-11-27T00:00:00.000';

function removeRecord(options: {
  pk: string;
  sequenceNumber: string;
  createdAt?: number;
  oldExpiresAt?: string;
  eventName?: 'INSERT' | 'MODIFY' | 'REMOVE';
}): DynamoDBRecord {
  return {
    eventName: options.eventName ?? 'REMOVE',
    dynamodb: {
      Keys: { pk: { S: options.pk }, sk: { S: 'STATE' } },
      SequenceNumber: options.sequenceNumber,
      ApproximateCreationDateTime: options.createdAt ?? NOW,
      ...(options.oldExpiresAt !== undefined
        ? { OldImage: { pk: { S: options.pk }, sk: { S: 'STATE' }, expiresAt: { N: options.oldExpiresAt } } }
        : {}),
    },
  };
}

function deletionsAt(nowMs: { value: number }) {
  return new TtlDeletions({ now: () => nowMs.value, retentionMs: 60_000 });
}

describe('which TTL values make an item expired (as DynamoDB decides)', () => {
  it('a number of epoch seconds before now, and not more than five years before', () => {
    expect(expiredTtlValue({ N: String(NOW - 1) }, NOW)).toBe(String(NOW - 1));
    expect(expiredTtlValue({ N: `${NOW - 10}.5` }, NOW)).toBe(`${NOW - 10}.5`);
    expect(expiredTtlValue({ N: String(NOW - TTL_MAXIMUM_AGE_SECONDS) }, NOW)).toBe(String(NOW - TTL_MAXIMUM_AGE_SECONDS));
  });

  it('not now, not the future, not older than five years, not a non-number, not missing', () => {
    expect(expiredTtlValue({ N: String(NOW) }, NOW)).toBeUndefined();
    expect(expiredTtlValue({ N: String(NOW + 60) }, NOW)).toBeUndefined();
    expect(expiredTtlValue({ N: String(NOW - TTL_MAXIMUM_AGE_SECONDS - 1) }, NOW)).toBeUndefined();
    expect(expiredTtlValue({ S: String(NOW - 60) }, NOW)).toBeUndefined();
    expect(expiredTtlValue({ NS: [String(NOW - 60)] }, NOW)).toBeUndefined();
    expect(expiredTtlValue(undefined, NOW)).toBeUndefined();
  });
});

describe('the expired-items Scan', () => {
  it('projects the keys and the TTL attribute, filtering on a number before now', () => {
    const table = { logicalId: 'T', tableName: 'Orders', ttlAttribute: 'expiresAt', keyAttributes: ['pk', 'sk'], hasStream: true };
    const first = expiredItemsScan(table, NOW).input;
    expect(first).toEqual({
      TableName: 'Orders',
      FilterExpression: 'attribute_type(#ttl, :number) AND #ttl < :now AND #ttl >= :oldest',
      ProjectionExpression: '#k0, #k1, #ttl',
      ExpressionAttributeNames: { '#ttl': 'expiresAt', '#k0': 'pk', '#k1': 'sk' },
      ExpressionAttributeValues: {
        ':number': { S: 'N' },
        ':now': { N: String(NOW) },
        ':oldest': { N: String(NOW - TTL_MAXIMUM_AGE_SECONDS) },
      },
    });
    const next = expiredItemsScan(table, NOW, { pk: { S: 'a' }, sk: { S: 'b' } }).input;
    expect(next.ExclusiveStartKey).toEqual({ pk: { S: 'a' }, sk: { S: 'b' } });
  });
});

describe('LOCAL_TTL_SWEEP_INTERVAL_MS', () => {
  it('defaults to a minute; 0 turns the periodic sweeps off', () => {
    expect(ttlSweepIntervalFromEnv(undefined)).toBe(DEFAULT_TTL_SWEEP_INTERVAL_MS);
    expect(ttlSweepIntervalFromEnv(' ')).toBe(60_000);
    expect(ttlSweepIntervalFromEnv('0')).toBe(0);
    expect(ttlSweepIntervalFromEnv('1500')).toBe(1500);
  });

  it('refuses what is not a whole number of milliseconds', () => {
    for (const raw of ['abc', '-1', '1.5', '10s']) expect(() => ttlSweepIntervalFromEnv(raw)).toThrow(/LOCAL_TTL_SWEEP_INTERVAL_MS/);
  });
});

describe('the tables to sweep, from the template', () => {
  const template: CfnTemplate = {
    Parameters: { Env: { Type: 'String', Default: 'dev' } },
    Conditions: { IsProd: { 'Fn::Equals': [{ Ref: 'Env' }, 'prod'] } },
    Resources: {
      Outbox: {
        Type: 'AWS::DynamoDB::Table',
        Properties: {
          // Sort key listed first: the partition key still comes first in keyAttributes.
          KeySchema: [
            { AttributeName: 'sk', KeyType: 'RANGE' },
            { AttributeName: 'pk', KeyType: 'HASH' },
          ],
          StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
          TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        },
      },
      Idempotency: {
        Type: 'AWS::DynamoDB::Table',
        Properties: {
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: 'true' },
        },
      },
      Global: {
        Type: 'AWS::DynamoDB::GlobalTable',
        Properties: {
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          StreamSpecification: { StreamViewType: 'KEYS_ONLY' },
          TimeToLiveSpecification: { AttributeName: { 'Fn::Join': ['', ['ttl', 'At']] }, Enabled: true },
        },
      },
      Disabled: {
        Type: 'AWS::DynamoDB::Table',
        Properties: { KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], TimeToLiveSpecification: { AttributeName: 'x', Enabled: false } },
      },
      NoTtl: { Type: 'AWS::DynamoDB::Table', Properties: { KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }] } },
      ProdOnly: {
        Type: 'AWS::DynamoDB::Table',
        Condition: 'IsProd',
        Properties: { KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], TimeToLiveSpecification: { AttributeName: 'x', Enabled: true } },
      },
      Queue: { Type: 'AWS::SQS::Queue', Properties: {} },
    },
  };
  const refs: Record<string, string> = {
    Outbox: 'Stack-Outbox',
    Idempotency: 'Stack-Idempotency',
    Global: 'Stack-Global',
    Disabled: 'Stack-Disabled',
    NoTtl: 'Stack-NoTtl',
    Queue: 'https://queue',
  };
  const scope: IntrinsicScope = {
    pseudo: { region: 'us-east-1', accountId: '123456789012', partition: 'aws', urlSuffix: 'amazonaws.com', stackName: 'Stack', stackId: 'id' },
    template,
    ref: (logicalId) => refs[logicalId],
    getAtt: () => undefined,
  };
  const provisioned = {
    resources: new Map(Object.entries(refs).map(([logicalId, ref]) => [logicalId, { ref }])),
    scope,
    resolve: (value: unknown) => resolveIntrinsics(value, scope),
  };

  it('are those with TTL enabled, with their TTL attribute, keys and whether they have a stream', () => {
    expect(ttlTablesOf(template, provisioned)).toEqual([
      { logicalId: 'Outbox', tableName: 'Stack-Outbox', ttlAttribute: 'expiresAt', keyAttributes: ['pk', 'sk'], hasStream: true },
      { logicalId: 'Idempotency', tableName: 'Stack-Idempotency', ttlAttribute: 'expiration', keyAttributes: ['id'], hasStream: false },
      { logicalId: 'Global', tableName: 'Stack-Global', ttlAttribute: 'ttlAt', keyAttributes: ['id'], hasStream: true },
    ]);
  });
});

describe('TtlDeletions: which REMOVE records the sweeper caused', () => {
  it('claims the REMOVE of announced keys, and answers the same for every reader of that record', () => {
    const clock = { value: NOW * 1000 };
    const deletions = deletionsAt(clock);
    deletions.announce('Orders', { sk: { S: 'STATE' }, pk: { S: 'ORDER#1' } }, 'expiresAt', String(NOW - 5));
    const record = removeRecord({ pk: 'ORDER#1', sequenceNumber: '100', oldExpiresAt: String(NOW - 5) });
    expect(deletions.isTtlRemoval('Orders', record)).toBe(true);
    // A second event source mapping on the same stream converts the same record.
    expect(deletions.isTtlRemoval('Orders', structuredClone(record))).toBe(true);
    // A later REMOVE of the same keys, by a user, is not a TTL deletion.
    expect(deletions.isTtlRemoval('Orders', removeRecord({ pk: 'ORDER#1', sequenceNumber: '105', oldExpiresAt: String(NOW - 5) }))).toBe(false);
  });

  it('claims nothing for other keys, other tables, other event names, another TTL value or an older record', () => {
    const clock = { value: NOW * 1000 };
    const deletions = deletionsAt(clock);
    deletions.announce('Orders', { pk: { S: 'ORDER#1' }, sk: { S: 'STATE' } }, 'expiresAt', String(NOW - 5));
    expect(deletions.isTtlRemoval('Orders', removeRecord({ pk: 'ORDER#2', sequenceNumber: '1' }))).toBe(false);
    expect(deletions.isTtlRemoval('Other', removeRecord({ pk: 'ORDER#1', sequenceNumber: '2' }))).toBe(false);
    expect(deletions.isTtlRemoval('Orders', removeRecord({ pk: 'ORDER#1', sequenceNumber: '3', eventName: 'MODIFY' }))).toBe(false);
    expect(deletions.isTtlRemoval('Orders', removeRecord({ pk: 'ORDER#1', sequenceNumber: '4', oldExpiresAt: String(NOW + 999) }))).toBe(false);
    // A REMOVE written seconds before the announcement (a user's delete the poller had not read yet).
    expect(deletions.isTtlRemoval('Orders', removeRecord({ pk: 'ORDER#1', sequenceNumber: '5', createdAt: NOW - 10 }))).toBe(false);
    // Still claimable by the right record: without an OldImage (KEYS_ONLY), keys and time decide.
    expect(deletions.isTtlRemoval('Orders', removeRecord({ pk: 'ORDER#1', sequenceNumber: '6' }))).toBe(true);
  });

  it('compares the TTL value as a number', () => {
    const deletions = deletionsAt({ value: NOW * 1000 });
    deletions.announce('Orders', { pk: { S: 'ORDER#1' }, sk: { S: 'STATE' } }, 'expiresAt', '1700000000');
    expect(deletions.isTtlRemoval('Orders', removeRecord({ pk: 'ORDER#1', sequenceNumber: '1', oldExpiresAt: '1.7E9' }))).toBe(true);
  });

  it('forgets a withdrawn announcement (the conditional delete failed)', () => {
    const deletions = deletionsAt({ value: NOW * 1000 });
    const announcement = deletions.announce('Orders', { pk: { S: 'ORDER#1' }, sk: { S: 'STATE' } }, 'expiresAt', String(NOW - 5));
    announcement.withdraw();
    expect(deletions.size).toBe(0);
    expect(deletions.isTtlRemoval('Orders', removeRecord({ pk: 'ORDER#1', sequenceNumber: '1' }))).toBe(false);
  });

  it('pairs repeated deletions of the same keys with their records in order', () => {
    const deletions = deletionsAt({ value: NOW * 1000 });
    const keys = { pk: { S: 'ORDER#1' }, sk: { S: 'STATE' } };
    deletions.announce('Orders', keys, 'expiresAt', '10');
    deletions.announce('Orders', keys, 'expiresAt', '20');
    expect(deletions.isTtlRemoval('Orders', removeRecord({ pk: 'ORDER#1', sequenceNumber: '1', oldExpiresAt: '10' }))).toBe(true);
    expect(deletions.isTtlRemoval('Orders', removeRecord({ pk: 'ORDER#1', sequenceNumber: '2', oldExpiresAt: '20' }))).toBe(true);
    expect(deletions.isTtlRemoval('Orders', removeRecord({ pk: 'ORDER#1', sequenceNumber: '3', oldExpiresAt: '20' }))).toBe(false);
  });

  it('forgets announcements and claims after the retention', () => {
    const clock = { value: NOW * 1000 };
    const deletions = deletionsAt(clock);
    deletions.announce('Orders', { pk: { S: 'A' }, sk: { S: 'STATE' } }, 'expiresAt', '10');
    expect(deletions.isTtlRemoval('Orders', removeRecord({ pk: 'A', sequenceNumber: '1' }))).toBe(true);
    deletions.announce('Orders', { pk: { S: 'B' }, sk: { S: 'STATE' } }, 'expiresAt', '10');
    clock.value += 61_000;
    deletions.announce('Orders', { pk: { S: 'C' }, sk: { S: 'STATE' } }, 'expiresAt', '10');
    expect(deletions.size).toBe(1);
    const later = NOW + 61;
    expect(deletions.isTtlRemoval('Orders', removeRecord({ pk: 'A', sequenceNumber: '1', createdAt: later }))).toBe(false);
    expect(deletions.isTtlRemoval('Orders', removeRecord({ pk: 'B', sequenceNumber: '2', createdAt: later }))).toBe(false);
    expect(deletions.isTtlRemoval('Orders', removeRecord({ pk: 'C', sequenceNumber: '3', createdAt: later }))).toBe(true);
  });

  it('reads the table name of a stream ARN and keys independently of attribute order', () => {
    expect(tableNameOfStreamArn(streamArn)).toBe('Orders');
    expect(tableNameOfStreamArn('arn:aws:sqs:us-east-1:1:queue')).toBeUndefined();
    expect(canonicalKey({ a: { S: '1' }, b: { N: '2' } })).toBe(canonicalKey({ b: { N: '2' }, a: { S: '1' } }));
  });
});

describe('the stream record converter and TTL deletions', () => {
  const sdkRemove = (pk: string, sequenceNumber: string): _Record => ({
    eventID: `e${sequenceNumber}`,
    eventName: 'REMOVE',
    dynamodb: {
      ApproximateCreationDateTime: new Date(NOW * 1000 + 300),
      Keys: { pk: { S: pk }, sk: { S: 'STATE' } },
      OldImage: { pk: { S: pk }, sk: { S: 'STATE' }, expiresAt: { N: String(NOW - 5) } },
      SequenceNumber: sequenceNumber,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  });

  it("gives the sweeper's REMOVE records DynamoDB's TTL userIdentity, and no other record one", () => {
    const deletions = deletionsAt({ value: NOW * 1000 });
    deletions.announce('Orders', { pk: { S: 'EXPIRED' }, sk: { S: 'STATE' } }, 'expiresAt', String(NOW - 5));
    const swept = toLambdaDynamoDBRecord(sdkRemove('EXPIRED', '1'), streamArn, { ttlDeletions: deletions });
    const deletedByUser = toLambdaDynamoDBRecord(sdkRemove('OTHER', '2'), streamArn, { ttlDeletions: deletions });
    expect(swept.userIdentity).toEqual({ type: 'Service', principalId: 'dynamodb.amazonaws.com' });
    expect(swept.userIdentity).toEqual(TTL_USER_IDENTITY);
    expect(deletedByUser).not.toHaveProperty('userIdentity');
    // Without the lookup (or for another stream's table), nothing is added.
    expect(toLambdaDynamoDBRecord(sdkRemove('EXPIRED', '1'), streamArn)).not.toHaveProperty('userIdentity');
  });
});
