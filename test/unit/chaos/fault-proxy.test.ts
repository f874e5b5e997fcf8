import { describe, expect, it } from '@jest/globals';
import { partialPutEvents } from '../../../chaos/fault-proxy';

const entries = ['a', 'b', 'c', 'd'].map((name) => ({ Source: 's', DetailType: name, Detail: '{}' }));

describe('the partial PutEvents rewrite', () => {
  it('forwards only the entries not marked failed, in order', () => {
    const split = partialPutEvents({ Entries: entries, EndpointId: undefined }, new Map([[1, 'ThrottlingException'], [3, 'InternalFailure']]));
    expect(split.forwardBody?.Entries).toEqual([entries[0], entries[2]]);
  });

  it('puts the failed entries back in their places in the answer and counts them', () => {
    const split = partialPutEvents({ Entries: entries }, new Map([[1, 'ThrottlingException'], [3, 'InternalFailure']]));
    const merged = split.merge({ FailedEntryCount: 0, Entries: [{ EventId: 'e0' }, { EventId: 'e2' }] });
    expect(merged.FailedEntryCount).toBe(2);
    expect(merged.Entries).toEqual([
      { EventId: 'e0' },
      { ErrorCode: 'ThrottlingException', ErrorMessage: 'fault injected: ThrottlingException' },
      { EventId: 'e2' },
      { ErrorCode: 'InternalFailure', ErrorMessage: 'fault injected: InternalFailure' },
    ]);
  });

  it('keeps the emulator\'s own entry failures in the count', () => {
    const split = partialPutEvents({ Entries: entries.slice(0, 2) }, new Map([[0, 'InternalFailure']]));
    const merged = split.merge({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'MalformedDetail', ErrorMessage: 'bad' }] });
    expect(merged.FailedEntryCount).toBe(2);
  });

  it('forwards nothing when every entry fails', () => {
    const split = partialPutEvents({ Entries: entries.slice(0, 2) }, new Map([[0, 'InternalFailure'], [1, 'InternalFailure']]));
    expect(split.forwardBody).toBeUndefined();
    expect(split.merge(undefined).FailedEntryCount).toBe(2);
  });
});
