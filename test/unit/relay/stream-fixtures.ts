import type { AttributeValue as LambdaAttributeValue, DynamoDBRecord } from 'aws-lambda';
import { marshall } from '@aws-sdk/util-dynamodb';

type LambdaImage = Record<string, LambdaAttributeValue>;

export function image(value: Record<string, unknown>): LambdaImage {
  return marshall(value, { removeUndefinedValues: true }) as unknown as LambdaImage;
}

export interface RecordInput {
  eventName?: 'INSERT' | 'MODIFY' | 'REMOVE';
  keys: Record<string, unknown>;
  newImage?: Record<string, unknown>;
  oldImage?: Record<string, unknown>;
  sequenceNumber: string;
  approximateCreationDateTime?: number;
  eventSourceARN?: string;
}

export function streamRecord(input: RecordInput): DynamoDBRecord {
  return {
    eventID: `event-${input.sequenceNumber}`,
    eventName: input.eventName ?? 'INSERT',
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    eventSourceARN: input.eventSourceARN ?? 'arn:aws:dynamodb:us-east-1:123456789012:table/things/stream/2026-01-01T00:00:00.000',
    dynamodb: {
      ApproximateCreationDateTime: input.approximateCreationDateTime ?? 1_767_225_600,
      Keys: image(input.keys),
      ...(input.newImage === undefined ? {} : { NewImage: image(input.newImage) }),
      ...(input.oldImage === undefined ? {} : { OldImage: image(input.oldImage) }),
      SequenceNumber: input.sequenceNumber,
      SizeBytes: 100,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}
