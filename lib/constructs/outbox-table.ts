import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { tableDefaults } from './internal/table-defaults';

/** Sparse index listing the outbox items the relay marked FAILED (pk `failedStatus`, sk `failedAt`). */
export const FAILED_OUTBOX_INDEX_NAME = 'FailedOutbox';
/** TTL attribute: outbox items expire after the relay had its chance; FAILED items drop it. */
export const OUTBOX_TTL_ATTRIBUTE = 'expiresAt';

/**
 * Table settings a user may change. Keys, stream and TTL attribute are fixed: the outbox writer,
 * the relay and its event source filter are written for them.
 */
export type OutboxTableOverrides = Omit<dynamodb.TableProps, 'partitionKey' | 'sortKey' | 'stream' | 'timeToLiveAttribute'>;

export interface OutboxTableProps {
  /**
   * Merged over the defaults (for a table name, deletion protection, a customer-managed key, …).
   * Keys (`pk`, `sk`), the stream (NEW_AND_OLD_IMAGES) and the TTL attribute (`expiresAt`) are fixed.
   *
   * @default - pay per request, AWS-managed encryption, point-in-time recovery on
   */
  readonly tableProps?: OutboxTableOverrides;
  /**
   * What happens to the table when it leaves the stack. It holds entities, not a cache.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The single table of the transactional outbox: entities and their outbox items side by side
 * (`pk`/`sk` strings), a NEW_AND_OLD_IMAGES stream for the relay and CDC readers, TTL on
 * `expiresAt`, point-in-time recovery, and the sparse `FailedOutbox` index.
 */
export class OutboxTable extends Construct {
  public readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: OutboxTableProps = {}) {
    super(scope, id);
    const overrides = props.tableProps ?? {};
    if (overrides.removalPolicy !== undefined && props.removalPolicy !== undefined) {
      throw new Error('OutboxTable: provide removalPolicy or tableProps.removalPolicy, not both');
    }
    this.table = new dynamodb.Table(this, 'Table', {
      ...tableDefaults(overrides),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      ...overrides,
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
      timeToLiveAttribute: OUTBOX_TTL_ATTRIBUTE,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: FAILED_OUTBOX_INDEX_NAME,
      partitionKey: { name: 'failedStatus', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'failedAt', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
  }
}
