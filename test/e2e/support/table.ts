/**
 * A snapshot of the stack's table (`TableName` of the outputs): every item's key and a fingerprint
 * of its attributes, read with the operator tools' SDK settings (`clientConfigFor`): locally through
 * the emulator (`AwsEndpointUrl`, test credentials unless the environment has some); for a deployed
 * stack through the default credential chain, in the region of the outputs or `ApiUrl`.
 *
 * Every event the service publishes starts as a table write (an `OUTBOX#…` item, or a customer
 * item the CDC function tails), and every consumer effect is one too (`TIMELINE`, payments), so
 * two equal snapshots mean nothing was written and nothing was published in between.
 */
import { createHash } from 'node:crypto';

import { DynamoDBClient, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';

import { isLocalOutputs, regionOfApiUrl } from '../../../tools/client/api-client';
import { clientConfigFor } from '../../../tools/lib/outputs';

/** `pk|sk` → fingerprint of the item's attributes. */
export type TableSnapshot = ReadonlyMap<string, string>;

export interface TableDifference {
  added: string[];
  removed: string[];
  changed: string[];
}

export function tableReader(outputs: Readonly<Record<string, string>>): { snapshot(): Promise<TableSnapshot> } {
  const tableName = outputs.TableName;
  if (tableName === undefined) throw new Error('the stack outputs have no TableName');
  const endpoint = isLocalOutputs(outputs) ? outputs.AwsEndpointUrl : undefined;
  const region = outputs.Region ?? (endpoint === undefined ? regionOfApiUrl(outputs.ApiUrl ?? '') : undefined);
  const client = new DynamoDBClient(clientConfigFor({ endpoint, region }));
  return {
    async snapshot() {
      const items = new Map<string, string>();
      let startKey: Record<string, AttributeValue> | undefined;
      do {
        const page = await client.send(new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: startKey }));
        for (const item of page.Items ?? []) {
          items.set(`${item.pk?.S ?? '?'}|${item.sk?.S ?? '?'}`, createHash('sha256').update(canonical(item)).digest('hex'));
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey !== undefined);
      return items;
    },
  };
}

export function differenceOf(before: TableSnapshot, after: TableSnapshot): TableDifference {
  const added = [...after.keys()].filter((key) => !before.has(key));
  const removed = [...before.keys()].filter((key) => !after.has(key));
  const changed = [...after.keys()].filter((key) => before.has(key) && before.get(key) !== after.get(key));
  return { added, removed, changed };
}

export function isEmptyDifference(difference: TableDifference): boolean {
  return difference.added.length === 0 && difference.removed.length === 0 && difference.changed.length === 0;
}

/** JSON with sorted keys and sorted set members: the same item always gives the same text. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value).toString('base64'));
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, member]) => member !== undefined)
      .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
    return `{${entries.map(([key, member]) => `${JSON.stringify(key)}:${canonical(member)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
