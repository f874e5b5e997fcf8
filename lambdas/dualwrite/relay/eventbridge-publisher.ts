import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { PutEventsEntry } from '../envelope';
import type { EventPublisher, PublishResultEntry } from './relay-algorithm';

/**
 * PutEvents adapter. It maps the response entry by entry (EventBridge answers 200 with
 * `FailedEntryCount` > 0 when some entries fail) and lets a failed call throw as the SDK raised it:
 * the relay algorithm decides what is retryable, in one place.
 */
export class EventBridgePublisher implements EventPublisher {
  constructor(private readonly client: Pick<EventBridgeClient, 'send'>) {}

  async putEvents(entries: readonly PutEventsEntry[]): Promise<PublishResultEntry[]> {
    if (entries.length === 0) return [];
    const output = await this.client.send(new PutEventsCommand({ Entries: entries.map((entry) => ({ ...entry })) }));
    const results = output.Entries ?? [];
    return entries.map((_, index) => {
      const result = results[index];
      // An entry the response does not account for was not confirmed: the algorithm sends it again.
      if (result === undefined) {
        return { errorCode: 'MissingResultEntry', errorMessage: `PutEvents returned ${results.length} results for ${entries.length} entries` };
      }
      return { eventId: result.EventId, errorCode: result.ErrorCode, errorMessage: result.ErrorMessage };
    });
  }
}
