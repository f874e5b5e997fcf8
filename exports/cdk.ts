/**
 * `dualwrite/cdk`: the constructs a CDK app adds to its own stacks (docs/adopting.md). The sample
 * stack (lib/dualwrite-stack.ts) imports them from here too, so the sample proves the package.
 */
export {
  DEFAULT_OUTBOX_RETENTION,
  FAILED_OUTBOX_INDEX_NAME,
  OUTBOX_TTL_ATTRIBUTE,
  OutboxTable,
  type OutboxTableOverrides,
  type OutboxTableProps,
} from '../lib/constructs/outbox-table';
export { OUTBOX_INSERT_FILTER, OutboxRelay, type OutboxRelayProps } from '../lib/constructs/outbox-relay';
export { ChangeDataCapture, type ChangeDataCaptureProps } from '../lib/constructs/change-data-capture';
export {
  IDEMPOTENCY_KEY_ATTRIBUTE,
  IDEMPOTENCY_TTL_ATTRIBUTE,
  IdempotentEventConsumer,
  type IdempotencyTableOverrides,
  type IdempotentEventConsumerProps,
} from '../lib/constructs/idempotent-event-consumer';
export type { StreamEventSourceOverrides, StreamPublisherProps } from '../lib/constructs/internal/stream-publisher';
export type { DeadLetterQueueChoice } from '../lib/constructs/internal/queues';
export type { AlarmChoice } from '../lib/constructs/internal/alarms';
export {
  IDEMPOTENCY_RECORD_ACTIONS,
  ITEM_READ_WRITE_ACTIONS,
  type ItemAction,
  grantTableItemActions,
} from '../lib/constructs/table-grants';
