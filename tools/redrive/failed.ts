/**
 * `--failed`: the items the relay (or CDC) marked FAILED, listed by the sparse `FailedOutbox`
 * index, republished through the relay algorithm; each one published loses its mark (and gets its
 * TTL back). One that fails terminally again keeps it.
 */
import { findFailedOutboxItems, republishTableItems, type TableItem } from '../../lambdas/dualwrite/relay/redrive';
import { countingPublisher, note, progressBar, type ModeResult, type RedriveContext } from './context';

function describeFailedItem(item: TableItem): string {
  const envelope = item.envelope as { type?: unknown; id?: unknown; correlationId?: unknown } | undefined;
  const parts = [
    `${String(item.pk)} ${String(item.sk)}`,
    `failed ${String(item.failedAt ?? '?')}`,
    `${String(item.failureCode ?? '?')}: ${String(item.failureMessage ?? '')}`.slice(0, 160),
  ];
  if (envelope !== undefined) parts.push(`event ${String(envelope.type)} ${String(envelope.id)} (correlation ${String(envelope.correlationId)})`);
  return parts.join(' | ');
}

export async function redriveFailed(context: RedriveContext): Promise<ModeResult> {
  const tableName = context.outputs.require('TableName');
  const items = await findFailedOutboxItems({ documentClient: context.documentClient, tableName, limit: context.limit });
  for (const item of items) note(context, `${context.dryRun ? 'would republish' : 'republishing'} ${describeFailedItem(item)}`);
  if (context.dryRun) {
    return { summary: `failed (dry run): ${items.length} FAILED items would be republished; nothing changed`, left: 0 };
  }
  if (items.length === 0) return { summary: 'failed: no FAILED items; nothing to do', left: 0 };

  const bar = progressBar(context, 'FAILED items republished', items.length);
  const report = await republishTableItems(items, {
    documentClient: context.documentClient,
    tableName,
    publisher: countingPublisher(context.publisher, (count) => bar.tick(count)),
    eventBusName: context.outputs.require('EventBusName'),
    now: context.now,
  });
  bar.finish();
  for (const skipped of report.skipped) note(context, `skipped ${skipped.key.pk} ${skipped.key.sk}: ${skipped.reason}`);
  const left = report.failed + report.unsettled + report.skipped.length;
  return {
    summary:
      `failed: ${report.found} FAILED items found, ${report.republished} republished (mark cleared), ` +
      `${report.failed} failed again, ${report.unsettled} unsettled, ${report.skipped.length} skipped`,
    left,
  };
}
