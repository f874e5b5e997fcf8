import * as iam from 'aws-cdk-lib/aws-iam';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';

/** What a function that reads and writes single items (and their transactions) needs. */
export const ITEM_READ_WRITE_ACTIONS = ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem', 'ConditionCheckItem'] as const;

/** What Powertools' DynamoDBPersistenceLayer calls on its idempotency table: get, put (conditional), update, delete. */
export const IDEMPOTENCY_RECORD_ACTIONS = ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'] as const;

export type ItemAction = 'GetItem' | 'BatchGetItem' | 'Query' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'ConditionCheckItem';

/**
 * Grants the named item actions on the table itself, not on its indexes. `ITable.grant` adds
 * `<table>/index/*` whenever the table has an index; a writer never needs it. `TransactWriteItems`
 * is authorized by the per-item actions it contains, so it needs no action of its own.
 * A customer-managed key, if the table has one, is granted too.
 */
export function grantTableItemActions(table: dynamodb.ITable, grantee: iam.IGrantable, actions: readonly ItemAction[]): iam.Grant {
  table.encryptionKey?.grantEncryptDecrypt(grantee);
  return iam.Grant.addToPrincipal({
    grantee,
    actions: actions.map((action) => `dynamodb:${action}`),
    resourceArns: [table.tableArn],
  });
}
