import type { AttributeValue as SdkAttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { envelopeFromOutboxImage, OUTBOX_SORT_KEY_PREFIX } from '../outbox';
import type { RelayItem, RelayLogger } from './relay-algorithm';

/** The table's primary key: every item of the single-table design has string pk and sk (docs/design.md#keys-and-items). */
export interface ItemKey {
  pk: string;
  sk: string;
}

/** What the outbox failure marker needs to find, or failing that rebuild, the outbox item. */
export interface OutboxItemRef {
  key: ItemKey;
  /** The unmarshalled NewImage of the stream record. */
  image?: Record<string, unknown>;
  sequenceNumber: string;
}

type LambdaImage = NonNullable<NonNullable<DynamoDBRecord['dynamodb']>['NewImage']>;

/** Stream images come in DynamoDB JSON; Lambda's type and the SDK's describe the same wire shape. */
export function unmarshallImage(image: LambdaImage): Record<string, unknown> {
  return unmarshall(image as unknown as Record<string, SdkAttributeValue>);
}

export function itemKeyOf(keys: Record<string, unknown>): ItemKey | undefined {
  const { pk, sk } = keys;
  return typeof pk === 'string' && typeof sk === 'string' ? { pk, sk } : undefined;
}

/** `arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>` → `<name>`. */
export function tableNameFromStreamArn(arn: string | undefined): string | undefined {
  const match = arn === undefined ? null : /:table\/([^/]+)\//.exec(arn);
  return match?.[1];
}

/**
 * Turns the relay's stream records into relay items, in order. The event source filter already
 * keeps only INSERTs of outbox items; anything else that arrives (a filter changed by hand, a
 * test) is skipped and logged rather than published or failed.
 */
export function outboxRelayItems(records: readonly DynamoDBRecord[], logger?: RelayLogger): Array<RelayItem<OutboxItemRef>> {
  const items: Array<RelayItem<OutboxItemRef>> = [];
  for (const record of records) {
    const sequenceNumber = record.dynamodb?.SequenceNumber;
    const keys = record.dynamodb?.Keys === undefined ? {} : unmarshallImage(record.dynamodb.Keys);
    const key = itemKeyOf(keys);
    if (sequenceNumber === undefined || key === undefined) {
      logger?.warn('skipping a stream record without a sequence number or pk/sk keys', { eventID: record.eventID, keys });
      continue;
    }
    if (record.eventName !== 'INSERT' || !key.sk.startsWith(OUTBOX_SORT_KEY_PREFIX)) {
      logger?.warn('skipping a stream record that is not the INSERT of an outbox item', {
        eventID: record.eventID,
        eventName: record.eventName,
        sequenceNumber,
        key,
      });
      continue;
    }
    const newImage = record.dynamodb?.NewImage;
    if (newImage === undefined) {
      items.push({
        itemIdentifier: sequenceNumber,
        malformed: new Error('the stream record has no NewImage (is the stream view NEW_AND_OLD_IMAGES?)'),
        ref: { key, sequenceNumber },
      });
      continue;
    }
    const image = unmarshallImage(newImage);
    try {
      items.push({ itemIdentifier: sequenceNumber, envelope: envelopeFromOutboxImage(image), ref: { key, image, sequenceNumber } });
    } catch (error: unknown) {
      items.push({
        itemIdentifier: sequenceNumber,
        malformed: error instanceof Error ? error : new Error(String(error)),
        ref: { key, image, sequenceNumber },
      });
    }
  }
  return items;
}
