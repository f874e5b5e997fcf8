import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed } from '../../../exports/runtime';
import { aggregatePartitionKey, TIMELINE_SORT_KEY } from '../keys';
import type { Timeline, TimelineEntry } from './timeline';
import type { TimelineRepository } from './timeline-repository';

/**
 * One item per aggregate (`<AGGREGATE>#<id>` / `TIMELINE`), beside the aggregate's own items.
 * The events list grows with the aggregate: at about 60 bytes an entry, an aggregate reaches the
 * 400 KB item limit after some 6,000 events, far beyond the sample's aggregates.
 */
export class DynamoDbTimelineRepository implements TimelineRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async find(aggregateType: string, aggregateId: string): Promise<Timeline | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: aggregatePartitionKey(aggregateType, aggregateId), sk: TIMELINE_SORT_KEY },
        ConsistentRead: true,
      }),
    );
    if (Item === undefined) return undefined;
    return { lastVersion: Item.lastVersion as number, events: (Item.events ?? []) as TimelineEntry[] };
  }

  async append(aggregateType: string, aggregateId: string, previousVersion: number, entry: TimelineEntry): Promise<boolean> {
    const guard =
      previousVersion === 0
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : { ConditionExpression: 'lastVersion = :previous' };
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: aggregatePartitionKey(aggregateType, aggregateId), sk: TIMELINE_SORT_KEY },
          UpdateExpression:
            'SET lastVersion = :version, events = list_append(if_not_exists(events, :none), :entry), ' +
            'entityType = :entityType, aggregateType = :aggregateType, aggregateId = :aggregateId',
          ...guard,
          ExpressionAttributeValues: {
            ':version': entry.version,
            ':none': [],
            ':entry': [entry],
            ':entityType': 'Timeline',
            ':aggregateType': aggregateType,
            ':aggregateId': aggregateId,
            ...(previousVersion === 0 ? {} : { ':previous': previousVersion }),
          },
        }),
      );
      return true;
    } catch (error: unknown) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }
}
