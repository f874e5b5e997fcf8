/**
 * `npm run redrive -- <mode> [options]`: the operator's tool for events that did not make it
 * (docs/design.md#redrive, README "Operating it"). Works on the local runtime and on a deployed stack alike,
 * chosen by an outputs file. Run `npm run redrive -- --help`.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_OUTBOX_TTL_SECONDS } from '../lambdas/dualwrite/outbox';
import { EventBridgePublisher } from '../lambdas/dualwrite/relay/eventbridge-publisher';
import { EXIT_DONE, EXIT_SOMETHING_LEFT, parseFlags, parsePositiveInteger, processIo, runAsMain, UsageError, type ToolIo } from './lib/cli';
import { clientConfigFor, DEFAULT_OUTPUTS_FILE, loadStackOutputs } from './lib/outputs';
import { CONSUMER_NAMES, redriveConsumerDlq, type ConsumerName } from './redrive/consumer-dlq';
import type { RedriveContext } from './redrive/context';
import { redriveFailed } from './redrive/failed';
import { redriveStreamDlq } from './redrive/stream-dlq';

export const DEFAULT_MARGIN_SECONDS = 300;

export const REDRIVE_USAGE = `usage: npm run redrive -- (--stream-dlq | --failed | --consumer-dlq <timeline|payments|all>) [options]

Modes (exactly one):
  --stream-dlq              read the relay's stream DLQ (on-failure records: shard, sequence range,
                            arrival times), republish the outbox items of each message's window from
                            the table, then delete the message. A window whose items have expired
                            (outbox TTL) is reported and its message kept.
  --failed                  republish the outbox items marked FAILED (FailedOutbox index) and clear
                            the mark of each one republished
  --consumer-dlq <name>     move a consumer's DLQ messages back to its queue: timeline, payments or all
                            (SQS StartMessageMoveTask where available, else receive → send → delete)

Options:
  --outputs <file>          stack outputs: .local/outputs.json of npm start, or the file of
                            \`cdk deploy --outputs-file\` (default ${DEFAULT_OUTPUTS_FILE}). With
                            AwsEndpointUrl/Region in it the SDK goes there; else the default
                            credential chain and region.
  --stack <name>            the stack to use when the outputs file holds several
  --dry-run                 list what would be done; change nothing
  --progress                draw the progress bar on stderr even when it is not a terminal
  --limit <n>               at most n DLQ messages (--stream-dlq, --consumer-dlq) or FAILED items (--failed)
  --discard-expired         --stream-dlq: delete DLQ messages whose window has no outbox item left
  --margin-seconds <n>      --stream-dlq: widen each window by n seconds on both sides (default ${DEFAULT_MARGIN_SECONDS})
  -h, --help                this text

Safe to run again: consumers are idempotent, so republishing is harmless, and what was done is not
found again. Prints one summary line on stdout; details and progress go to stderr.
Exit code: 0 done, 1 something left (failed again, unsettled, kept, not moved), 2 usage or outputs error.`;

export type RedriveMode = { kind: 'stream-dlq' } | { kind: 'failed' } | { kind: 'consumer-dlq'; consumer: ConsumerName | 'all' };

export interface RedriveArgs {
  mode: RedriveMode;
  outputsFile: string;
  stack?: string;
  dryRun: boolean;
  progress: boolean;
  limit?: number;
  discardExpired: boolean;
  marginSeconds: number;
}

/** Parses the command line; `'help'` for --help; throws UsageError for anything it cannot accept. */
export function parseRedriveArgs(argv: readonly string[]): RedriveArgs | 'help' {
  const values = parseFlags(argv, {
    'stream-dlq': { type: 'boolean', default: false },
    failed: { type: 'boolean', default: false },
    'consumer-dlq': { type: 'string' },
    outputs: { type: 'string', default: DEFAULT_OUTPUTS_FILE },
    stack: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
    progress: { type: 'boolean', default: false },
    limit: { type: 'string' },
    'discard-expired': { type: 'boolean', default: false },
    'margin-seconds': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) return 'help';
  const modes = [values['stream-dlq'] && '--stream-dlq', values.failed && '--failed', values['consumer-dlq'] !== undefined && '--consumer-dlq'].filter(
    (m): m is string => typeof m === 'string',
  );
  if (modes.length !== 1) {
    throw new UsageError(modes.length === 0 ? 'give one mode: --stream-dlq, --failed or --consumer-dlq <name>' : `give one mode only, not ${modes.join(' and ')}`);
  }
  let mode: RedriveMode;
  if (values['stream-dlq']) mode = { kind: 'stream-dlq' };
  else if (values.failed) mode = { kind: 'failed' };
  else {
    const consumer = values['consumer-dlq'] as string;
    if (consumer !== 'all' && !(CONSUMER_NAMES as readonly string[]).includes(consumer)) {
      throw new UsageError(`--consumer-dlq must be one of ${[...CONSUMER_NAMES, 'all'].join(', ')}, got "${consumer}"`);
    }
    mode = { kind: 'consumer-dlq', consumer: consumer as ConsumerName | 'all' };
  }
  if (values['discard-expired'] && mode.kind !== 'stream-dlq') throw new UsageError('--discard-expired only applies to --stream-dlq');
  if (values['margin-seconds'] !== undefined && mode.kind !== 'stream-dlq') throw new UsageError('--margin-seconds only applies to --stream-dlq');
  const margin = values['margin-seconds'] === undefined ? DEFAULT_MARGIN_SECONDS : Number(values['margin-seconds']);
  if (!Number.isInteger(margin) || margin < 0) throw new UsageError(`--margin-seconds must be an integer ≥ 0, got "${values['margin-seconds']}"`);
  return {
    mode,
    outputsFile: values.outputs,
    ...(values.stack === undefined ? {} : { stack: values.stack }),
    dryRun: values['dry-run'],
    progress: values.progress,
    limit: parsePositiveInteger('--limit', values.limit),
    discardExpired: values['discard-expired'],
    marginSeconds: margin,
  };
}

/** The whole command: returns the exit code. Tests call it with their own io. */
export async function runRedrive(argv: readonly string[], io: ToolIo = processIo): Promise<number> {
  const args = parseRedriveArgs(argv);
  if (args === 'help') {
    io.stdout.write(`${REDRIVE_USAGE}\n`);
    return EXIT_DONE;
  }
  const outputs = loadStackOutputs(args.outputsFile, args.stack);
  const config = clientConfigFor(outputs);
  const context: RedriveContext = {
    outputs,
    documentClient: DynamoDBDocumentClient.from(new DynamoDBClient(config), { marshallOptions: { removeUndefinedValues: true } }),
    sqs: new SQSClient(config),
    publisher: new EventBridgePublisher(new EventBridgeClient(config)),
    dryRun: args.dryRun,
    progress: args.progress,
    ...(args.limit === undefined ? {} : { limit: args.limit }),
    discardExpired: args.discardExpired,
    marginMs: args.marginSeconds * 1000,
    outboxTtlSeconds: DEFAULT_OUTBOX_TTL_SECONDS,
    now: () => new Date(),
    receiveWaitSeconds: outputs.endpoint === undefined ? 1 : 0,
    io,
  };
  const where = outputs.endpoint === undefined ? `stack ${outputs.stackName}` : `stack ${outputs.stackName} at ${outputs.endpoint}`;
  io.stderr.write(`redrive ${args.mode.kind}${args.dryRun ? ' (dry run)' : ''} on ${where} (${outputs.file})\n`);
  const result =
    args.mode.kind === 'stream-dlq'
      ? await redriveStreamDlq(context)
      : args.mode.kind === 'failed'
        ? await redriveFailed(context)
        : await redriveConsumerDlq(context, args.mode.consumer);
  io.stdout.write(`${result.summary}\n`);
  return result.left > 0 ? EXIT_SOMETHING_LEFT : EXIT_DONE;
}

if (require.main === module) {
  runAsMain(() => runRedrive(process.argv.slice(2)), 'run `npm run redrive -- --help` for usage');
}
