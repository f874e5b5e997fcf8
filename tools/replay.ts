/**
 * `npm run replay -- --from ISO --to ISO`: sends the events of a time window again from the bus's
 * EventBridge archive (StartReplay onto the same bus, DescribeReplay polled until it ends). For
 * windows older than the outbox TTL, where `npm run redrive -- --stream-dlq` has nothing left to
 * read. `--from-outbox` republishes the window's outbox items from the table instead: the only way
 * on the emulator, whose replay ignores the window. Run `npm run replay -- --help`.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeArchiveCommand,
  DescribeEventBusCommand,
  DescribeReplayCommand,
  EventBridgeClient,
  ListArchivesCommand,
  StartReplayCommand,
  type Archive,
} from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EventBridgePublisher } from '../lambdas/dualwrite/relay/eventbridge-publisher';
import { findOutboxItemsInWindow, republishTableItems } from '../lambdas/dualwrite/relay/redrive';
import { EXIT_DONE, EXIT_SOMETHING_LEFT, parseFlags, parseTimestamp, processIo, runAsMain, UsageError, type ToolIo } from './lib/cli';
import { clientConfigFor, DEFAULT_OUTPUTS_FILE, loadStackOutputs, type StackOutputs } from './lib/outputs';
import { ProgressBar } from './lib/progress';
import { countingPublisher } from './redrive/context';

export const REPLAY_USAGE = `usage: npm run replay -- --from <ISO> --to <ISO> [options]

Replays the events of [from, to] from the EventBridge archive of the stack's bus onto the bus
(StartReplay; the archive is found with ListArchives by the bus's ARN), then polls DescribeReplay
until it is COMPLETED or FAILED. Every rule of the bus gets the replayed events; consumers are
idempotent, so events they already processed change nothing.

Options:
  --from <ISO>              start of the window (event time), e.g. 2026-01-31T12:00:00Z
  --to <ISO>                end of the window
  --outputs <file>          stack outputs (default ${DEFAULT_OUTPUTS_FILE}); AwsEndpointUrl/Region in it
                            point the SDK at the emulator, else the default credential chain is used
  --stack <name>            the stack to use when the outputs file holds several
  --archive <name>          the archive to replay from, when the bus has several
  --from-outbox             republish the outbox items of the window from the table instead of
                            replaying the archive (items exist for the outbox TTL, 7 days; the
                            emulator's replay ignores the window, so locally this is the way)
  --dry-run                 say what would be replayed or republished; change nothing
  --progress                draw the progress bar on stderr even when it is not a terminal
  -h, --help                this text

Exit code: 0 done, 1 replay failed or something left unpublished (or the emulator cannot replay),
2 usage or outputs error.`;

export interface ReplayArgs {
  from: Date;
  to: Date;
  outputsFile: string;
  stack?: string;
  archive?: string;
  fromOutbox: boolean;
  dryRun: boolean;
  progress: boolean;
}

export function parseReplayArgs(argv: readonly string[]): ReplayArgs | 'help' {
  const values = parseFlags(argv, {
    from: { type: 'string' },
    to: { type: 'string' },
    outputs: { type: 'string', default: DEFAULT_OUTPUTS_FILE },
    stack: { type: 'string' },
    archive: { type: 'string' },
    'from-outbox': { type: 'boolean', default: false },
    'dry-run': { type: 'boolean', default: false },
    progress: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) return 'help';
  const from = parseTimestamp('--from', values.from);
  const to = parseTimestamp('--to', values.to);
  if (from.getTime() >= to.getTime()) throw new UsageError(`--from (${from.toISOString()}) must be before --to (${to.toISOString()})`);
  if (values.archive !== undefined && values['from-outbox']) throw new UsageError('--archive and --from-outbox exclude each other');
  return {
    from,
    to,
    outputsFile: values.outputs,
    ...(values.stack === undefined ? {} : { stack: values.stack }),
    ...(values.archive === undefined ? {} : { archive: values.archive }),
    fromOutbox: values['from-outbox'],
    dryRun: values['dry-run'],
    progress: values.progress,
  };
}

/** What the emulator lacks, said once, where the operator meets it. */
export function emulatorReplayMessage(outputs: StackOutputs, args: Pick<ReplayArgs, 'from' | 'to'>): string {
  return (
    `the stack at ${outputs.endpoint} is an emulator: moto's StartReplay ignores EventStartTime/EventEndTime ` +
    '(it sends every archived event again, whatever the window) and completes at once, so a window cannot be replayed locally. ' +
    `Republish the window's outbox items from the table instead: npm run replay -- --from ${args.from.toISOString()} --to ${args.to.toISOString()} --from-outbox`
  );
}

/** `dualwrite-replay-20260131T120000-1a2b3c`: unique, and ≤ 64 of [.-_A-Za-z0-9]. */
export function replayName(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, '');
  return `dualwrite-replay-${stamp}-${randomBytes(3).toString('hex')}`;
}

/** Share of the window replayed so far, from DescribeReplay's `EventLastReplayedTime`, in percent. */
export function replayPercent(window: Pick<ReplayArgs, 'from' | 'to'>, lastReplayed: Date | undefined): number {
  if (lastReplayed === undefined) return 0;
  const span = window.to.getTime() - window.from.getTime();
  return Math.max(0, Math.min(100, Math.floor(((lastReplayed.getTime() - window.from.getTime()) / span) * 100)));
}

function chooseArchive(archives: Archive[], busName: string, wanted: string | undefined): Archive {
  if (wanted !== undefined) {
    const found = archives.find((archive) => archive.ArchiveName === wanted);
    if (found === undefined) throw new UsageError(`bus ${busName} has no archive "${wanted}" (it has: ${archives.map((a) => a.ArchiveName).join(', ') || 'none'})`);
    return found;
  }
  if (archives.length === 0) throw new UsageError(`bus ${busName} has no archive: nothing to replay from (try --from-outbox)`);
  const enabled = archives.filter((archive) => archive.State === undefined || archive.State === 'ENABLED');
  if (enabled.length === 1) return enabled[0]!;
  throw new UsageError(`bus ${busName} has several archives (${archives.map((a) => a.ArchiveName).join(', ')}): choose one with --archive <name>`);
}

const REPLAY_POLL_MS = 2_000;

export async function runReplay(argv: readonly string[], io: ToolIo = processIo): Promise<number> {
  const args = parseReplayArgs(argv);
  if (args === 'help') {
    io.stdout.write(`${REPLAY_USAGE}\n`);
    return EXIT_DONE;
  }
  const outputs = loadStackOutputs(args.outputsFile, args.stack);
  const config = clientConfigFor(outputs);
  const busName = outputs.require('EventBusName');
  const window = `${args.from.toISOString()}..${args.to.toISOString()}`;

  if (args.fromOutbox) {
    const tableName = outputs.require('TableName');
    const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient(config), { marshallOptions: { removeUndefinedValues: true } });
    const items = await findOutboxItemsInWindow({ documentClient, tableName, from: args.from, to: args.to });
    if (args.dryRun) {
      io.stdout.write(`replay --from-outbox (dry run): ${items.length} outbox items of ${window} in ${tableName} would be republished to ${busName}; nothing changed\n`);
      return EXIT_DONE;
    }
    const bar = ProgressBar.for(io.stderr, args.progress, 'outbox items republished', items.length);
    const report = await republishTableItems(items, {
      documentClient,
      tableName,
      eventBusName: busName,
      publisher: countingPublisher(new EventBridgePublisher(new EventBridgeClient(config)), (count) => bar.tick(count)),
    });
    bar.finish();
    io.stdout.write(
      `replay --from-outbox: ${report.found} outbox items of ${window} found, ${report.republished} republished, ` +
        `${report.failed} failed, ${report.unsettled} unsettled, ${report.skipped.length} skipped\n`,
    );
    return report.failed + report.unsettled + report.skipped.length > 0 ? EXIT_SOMETHING_LEFT : EXIT_DONE;
  }

  if (outputs.endpoint !== undefined) {
    io.stderr.write(`${emulatorReplayMessage(outputs, args)}\n`);
    io.stdout.write(`replay: nothing replayed (the emulator cannot replay a window; use --from-outbox)\n`);
    return EXIT_SOMETHING_LEFT;
  }

  const events = new EventBridgeClient(config);
  const bus = await events.send(new DescribeEventBusCommand({ Name: busName }));
  if (bus.Arn === undefined) throw new Error(`DescribeEventBus ${busName} returned no Arn`);
  const { Archives = [] } = await events.send(new ListArchivesCommand({ EventSourceArn: bus.Arn }));
  const archive = chooseArchive(Archives, busName, args.archive);
  if (args.dryRun) {
    io.stdout.write(`replay (dry run): would replay ${window} from archive ${archive.ArchiveName} onto bus ${busName}; nothing changed\n`);
    return EXIT_DONE;
  }
  // ListArchives gives names only; StartReplay wants the archive's ARN.
  const { ArchiveArn: archiveArn } = await events.send(new DescribeArchiveCommand({ ArchiveName: archive.ArchiveName }));
  const name = replayName(new Date());
  await events.send(
    new StartReplayCommand({
      ReplayName: name,
      Description: `npm run replay ${window}`,
      EventSourceArn: archiveArn,
      EventStartTime: args.from,
      EventEndTime: args.to,
      Destination: { Arn: bus.Arn },
    }),
  );
  io.stderr.write(`replay ${name} started: ${window} from archive ${archive.ArchiveName} onto ${busName}\n`);
  const bar = ProgressBar.for(io.stderr, args.progress, `replay ${name}`, 100);
  for (;;) {
    const replay = await events.send(new DescribeReplayCommand({ ReplayName: name }));
    bar.update(replay.State === 'COMPLETED' ? 100 : replayPercent(args, replay.EventLastReplayedTime));
    if (replay.State === 'COMPLETED') {
      bar.finish();
      io.stdout.write(`replay: ${name} COMPLETED (${window} from archive ${archive.ArchiveName})\n`);
      return EXIT_DONE;
    }
    if (replay.State === 'FAILED' || replay.State === 'CANCELLED') {
      bar.finish();
      io.stdout.write(`replay: ${name} ${replay.State}${replay.StateReason ? `: ${replay.StateReason}` : ''}\n`);
      return EXIT_SOMETHING_LEFT;
    }
    await sleep(REPLAY_POLL_MS);
  }
}

if (require.main === module) {
  runAsMain(() => runReplay(process.argv.slice(2)), 'run `npm run replay -- --help` for usage');
}
