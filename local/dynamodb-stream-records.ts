/**
 * DynamoDB Streams records as the SDK returns them, turned into exactly what Lambda gives a function
 * (`DynamoDBRecord` of @types/aws-lambda): the SDK parses dates into `Date` and binary values into
 * `Uint8Array`, and has no `eventSourceARN`; Lambda sends epoch seconds, base64 text and the ARN.
 *
 * moto puts no `userIdentity` on the REMOVE record of a TTL deletion (it has no TTL at all): the local
 * TTL sweeper's deletions are recognised through `ttlDeletions` (ttl-deletions.ts) and get DynamoDB's
 * `{ type: "Service", principalId: "dynamodb.amazonaws.com" }`.
 */
import type { _Record as SdkStreamRecord, AttributeValue as SdkAttributeValue } from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue, DynamoDBRecord, StreamRecord } from 'aws-lambda';
import { tableNameFromStreamArn } from '../lambdas/dualwrite/relay/stream-records';
import { TTL_USER_IDENTITY, type TtlDeletionLookup } from './ttl-deletions';

export interface StreamRecordConversionOptions {
  /** The deletions of the local TTL sweeper: their REMOVE records get the TTL `userIdentity`. */
  ttlDeletions?: TtlDeletionLookup;
}

export function toLambdaDynamoDBRecord(
  record: SdkStreamRecord,
  streamArn: string,
  options: StreamRecordConversionOptions = {},
): DynamoDBRecord {
  const source = record.dynamodb ?? {};
  const dynamodb: StreamRecord = {};
  if (source.ApproximateCreationDateTime !== undefined) {
    // DynamoDB Streams round the creation time down to the second.
    dynamodb.ApproximateCreationDateTime = Math.floor(new Date(source.ApproximateCreationDateTime).getTime() / 1000);
  }
  if (source.Keys !== undefined) dynamodb.Keys = toLambdaImage(source.Keys);
  if (source.NewImage !== undefined) dynamodb.NewImage = toLambdaImage(source.NewImage);
  if (source.OldImage !== undefined) dynamodb.OldImage = toLambdaImage(source.OldImage);
  if (source.SequenceNumber !== undefined) dynamodb.SequenceNumber = source.SequenceNumber;
  if (source.SizeBytes !== undefined) dynamodb.SizeBytes = source.SizeBytes;
  if (source.StreamViewType !== undefined) dynamodb.StreamViewType = source.StreamViewType;

  const converted: DynamoDBRecord = {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: record.eventSource ?? 'aws:dynamodb',
    awsRegion: record.awsRegion ?? regionOfArn(streamArn),
    dynamodb,
    eventSourceARN: streamArn,
  };
  // TTL deletions carry the service principal; other records have no userIdentity at all.
  if (record.userIdentity !== undefined) {
    converted.userIdentity = { type: record.userIdentity.Type, principalId: record.userIdentity.PrincipalId };
  } else if (options.ttlDeletions !== undefined && converted.eventName === 'REMOVE') {
    const tableName = tableNameFromStreamArn(streamArn);
    if (tableName !== undefined && options.ttlDeletions.isTtlRemoval(tableName, converted)) {
      converted.userIdentity = { ...TTL_USER_IDENTITY };
    }
  }
  return converted;
}

export function toLambdaImage(image: Record<string, SdkAttributeValue>): Record<string, AttributeValue> {
  const converted: Record<string, AttributeValue> = {};
  for (const [name, value] of Object.entries(image)) converted[name] = toLambdaAttributeValue(value);
  return converted;
}

/** Attribute-value JSON as the DynamoDB wire format has it: binary as base64 text, numbers as text. */
export function toLambdaAttributeValue(value: SdkAttributeValue): AttributeValue {
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.B !== undefined) return { B: base64(value.B) };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.SS !== undefined) return { SS: [...value.SS] };
  if (value.NS !== undefined) return { NS: [...value.NS] };
  if (value.BS !== undefined) return { BS: value.BS.map(base64) };
  if (value.M !== undefined) return { M: toLambdaImage(value.M) };
  if (value.L !== undefined) return { L: value.L.map(toLambdaAttributeValue) };
  throw new Error(`unknown DynamoDB attribute value ${JSON.stringify(value)}`);
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

function regionOfArn(arn: string): string {
  return arn.split(':')[3] ?? 'us-east-1';
}
