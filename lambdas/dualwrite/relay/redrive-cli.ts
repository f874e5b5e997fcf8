/**
 * Operator's redrive tool. Uses the default credential chain and region; AWS_ENDPOINT_URL points it
 * at an emulator.
 *
 *   npx tsx lambdas/dualwrite/relay/redrive-cli.ts --table T --bus B --failed [--limit N]
 *   npx tsx lambdas/dualwrite/relay/redrive-cli.ts --table T --bus B --from ISO --to ISO
 *
 * Prints a JSON report; exits 1 when some event was left unpublished (failed again or unsettled).
 */
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EventBridgePublisher } from './eventbridge-publisher';
import { redriveFailedOutboxItems, republishOutboxItems, type RepublishReport } from './redrive';

const USAGE = 'usage: redrive-cli --table T --bus B (--failed [--limit N] | --from ISO --to ISO)';

class UsageError extends Error {
  constructor(message: string) {
    super(`${message}\n${USAGE}`);
    this.name = 'UsageError';
  }
}

function parseDate(name: string, value: string | undefined): Date {
  const date = value === undefined ? new Date(Number.NaN) : new Date(value);
  if (Number.isNaN(date.getTime())) throw new UsageError(`--${name} must be an ISO-8601 timestamp, got ${String(value)}`);
  return date;
}

export async function main(argv: string[]): Promise<RepublishReport> {
  const { values } = parseArgs({
    args: argv,
    options: {
      table: { type: 'string' },
      bus: { type: 'string' },
      failed: { type: 'boolean', default: false },
      limit: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
    },
    strict: true,
  });
  if (!values.table || !values.bus) throw new UsageError('--table and --bus are required');
  const windowed = values.from !== undefined || values.to !== undefined;
  if (values.failed === windowed) throw new UsageError('give either --failed or --from and --to');

  const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
  const common = {
    documentClient,
    tableName: values.table,
    eventBusName: values.bus,
    publisher: new EventBridgePublisher(new EventBridgeClient({})),
    logger: {
      info: (message: string, attributes: Record<string, unknown>) => console.error(message, JSON.stringify(attributes)),
      warn: (message: string, attributes: Record<string, unknown>) => console.error(message, JSON.stringify(attributes)),
      error: (message: string, attributes: Record<string, unknown>) => console.error(message, JSON.stringify(attributes)),
    },
  };
  if (values.failed) {
    const limit = values.limit === undefined ? undefined : Number(values.limit);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw new UsageError(`--limit must be a positive integer`);
    return redriveFailedOutboxItems({ ...common, limit });
  }
  return republishOutboxItems({ ...common, from: parseDate('from', values.from), to: parseDate('to', values.to) });
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (report) => {
      console.log(JSON.stringify(report, null, 2));
      process.exitCode = report.failed > 0 || report.unsettled > 0 ? 1 : 0;
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = error instanceof UsageError ? 2 : 1;
    },
  );
}
