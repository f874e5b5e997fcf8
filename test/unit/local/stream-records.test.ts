import type { _Record } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from '@jest/globals';

import { toLambdaDynamoDBRecord } from '../../../local/dynamodb-stream-records';

const streamArn = 'arn:aws:dynamodb:us-east-1:123456789012:table/T/stream/2026-11-27T00:00:00.000';

describe('SDK stream record → Lambda DynamoDBRecord', () => {
  it('converts dates to epoch seconds, binary to base64, and adds eventSourceARN', () => {
    const sdkRecord: _Record = {
      eventID: 'e1',
      eventName: 'MODIFY',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      dynamodb: {
        ApproximateCreationDateTime: new Date('2026-11-27T10:00:00.750Z'),
        Keys: { pk: { S: 'ORDER#1' }, sk: { S: 'STATE' } },
        NewImage: {
          pk: { S: 'ORDER#1' },
          total: { N: '10.50' },
          blob: { B: new Uint8Array([1, 2, 3]) },
          blobs: { BS: [new Uint8Array([255])] },
          nested: { M: { list: { L: [{ S: 'x' }, { NULL: true }, { BOOL: false }, { B: new Uint8Array([0]) }] } } },
          tags: { SS: ['a', 'b'] },
          nums: { NS: ['1', '2'] },
        },
        OldImage: { pk: { S: 'ORDER#1' }, total: { N: '1' } },
        SequenceNumber: '1100000000017454423009',
        SizeBytes: 306,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    };
    const expected: DynamoDBRecord = {
      eventID: 'e1',
      eventName: 'MODIFY',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      dynamodb: {
        ApproximateCreationDateTime: Date.parse('2026-11-27T10:00:00Z') / 1000,
        Keys: { pk: { S: 'ORDER#1' }, sk: { S: 'STATE' } },
        NewImage: {
          pk: { S: 'ORDER#1' },
          total: { N: '10.50' },
          blob: { B: 'AQID' },
          blobs: { BS: ['/w=='] },
          nested: { M: { list: { L: [{ S: 'x' }, { NULL: true }, { BOOL: false }, { B: 'AA==' }] } } },
          tags: { SS: ['a', 'b'] },
          nums: { NS: ['1', '2'] },
        },
        OldImage: { pk: { S: 'ORDER#1' }, total: { N: '1' } },
        SequenceNumber: '1100000000017454423009',
        SizeBytes: 306,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
      eventSourceARN: streamArn,
    };
    const converted = toLambdaDynamoDBRecord(sdkRecord, streamArn);
    expect(converted).toEqual(expected);
    // What the function receives went through JSON: no Date or Uint8Array may survive as such.
    expect(JSON.parse(JSON.stringify(converted))).toEqual(expected);
  });

  it('keeps the TTL service identity, and leaves out images the record has not', () => {
    const converted = toLambdaDynamoDBRecord(
      {
        eventID: 'e2',
        eventName: 'REMOVE',
        dynamodb: { Keys: { pk: { S: 'a' } }, SequenceNumber: '2', StreamViewType: 'KEYS_ONLY', SizeBytes: 10 },
        userIdentity: { Type: 'Service', PrincipalId: 'dynamodb.amazonaws.com' },
      },
      streamArn,
    );
    expect(converted.userIdentity).toEqual({ type: 'Service', principalId: 'dynamodb.amazonaws.com' });
    expect(converted.dynamodb).not.toHaveProperty('NewImage');
    expect(converted.dynamodb).not.toHaveProperty('OldImage');
    expect(converted.eventSource).toBe('aws:dynamodb');
    expect(converted.awsRegion).toBe('us-east-1');
  });
});
