import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { DEFAULT_OUTBOX_TTL_SECONDS, FAILED_OUTBOX_INDEX_NAME } from '../../lambdas/dualwrite/outbox';
import { tableDefaults } from './internal/table-defaults';

/** Sparse index listing the outbox items the relay marked FAILED (pk `failedStatus`, sk `failedAt`). */
export { FAILED_OUTBOX_INDEX_NAME };
/** TTL attribute: outbox items expire after the relay had its chance; FAILED items drop it. */
export const OUTBOX_TTL_ATTRIBUTE = 'expiresAt';
/** How long an outbox item is kept by default (the runtime's DEFAULT_OUTBOX_TTL_SECONDS). */
export const DEFAULT_OUTBOX_RETENTION = Duration.seconds(DEFAULT_OUTBOX_TTL_SECONDS);
/** The stream keeps records 24 h; a redrive of the stream DLQ re-reads outbox items after that. */
const MINIMUM_OUTBOX_RETENTION = Duration.days(1);

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
   * @default - pay per request, encrypted with the AWS-managed key (`aws/dynamodb`), point-in-time recovery on
   */
  readonly tableProps?: OutboxTableOverrides;
  /**
   * How long an outbox item lives after it is written (its `expiresAt` TTL). It must outlast the
   * relay's retries and the time an operator needs to notice a dead-letter queue and redrive it,
   * because the stream DLQ holds batch metadata only and redrive re-reads the outbox items. A
   * FAILED item drops its TTL and is kept until redriven. At least 1 day (the stream's own
   * retention), in whole seconds. Writers learn it as `OUTBOX_TTL_SECONDS` (`outboxTtlSeconds`).
   *
   * @default Duration.days(7)
   */
  readonly outboxRetention?: Duration;
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
 *
 * Encrypted at rest with the AWS-managed key `aws/dynamodb` by default: a KMS key of the account
 * whose every use CloudTrail records, with no key policy to keep and no monthly key charge, and
 * nothing for the stream readers to be granted. Pass `tableProps.encryptionKey` for a
 * customer-managed key (your own key policy, rotation, cross-account use); the constructs then
 * grant the functions on it.
 */
export class OutboxTable extends Construct {
  public readonly table: dynamodb.Table;
  /**
   * `outboxRetention` in seconds: pass it to every function that writes outbox items, as
   * `OUTBOX_TTL_SECONDS` (`writeWithOutbox`'s `outboxTtlSeconds`).
   */
  public readonly outboxTtlSeconds: number;

  constructor(scope: Construct, id: string, props: OutboxTableProps = {}) {
    super(scope, id);
    const overrides = props.tableProps ?? {};
    if (overrides.removalPolicy !== undefined && props.removalPolicy !== undefined) {
      throw new Error('OutboxTable: provide removalPolicy or tableProps.removalPolicy, not both');
    }
    const retention = props.outboxRetention ?? DEFAULT_OUTBOX_RETENTION;
    if (retention.toSeconds() < MINIMUM_OUTBOX_RETENTION.toSeconds()) {
      throw new Error(
        `OutboxTable: outboxRetention (${retention.toSeconds()} s) is shorter than 1 day; outbox items must outlive ` +
          'the stream (24 h) so that a dead-letter queue can be redriven from them',
      );
    }
    this.outboxTtlSeconds = retention.toSeconds();
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
