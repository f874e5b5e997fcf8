import { newEnvelope, type EventEnvelope, type PutEventsEntry } from '../../../lambdas/dualwrite/envelope';
import type {
  EventPublisher,
  PublishResultEntry,
  RelayFailure,
  RelayItem,
  RelayLogger,
  RelayMetricName,
  RelayMetrics,
  TerminalFailureSink,
} from '../../../lambdas/dualwrite/relay/relay-algorithm';

export function envelope(version: number, overrides: Partial<EventEnvelope> = {}): EventEnvelope {
  return {
    ...newEnvelope(
      {
        type: 'ThingHappened',
        source: 'test.things',
        aggregateType: 'Thing',
        aggregateId: 'thing-1',
        aggregateVersion: version,
        correlationId: 'corr-1',
        data: { n: version },
      },
      new Date('2026-01-01T00:00:00.000Z'),
    ),
    ...overrides,
  };
}

/** Items with sequence numbers "0001", "0002", … and versions 1, 2, … */
export function items(count: number): Array<RelayItem<string>> {
  return Array.from({ length: count }, (_, i) => item(i + 1));
}

export function item(version: number, overrides: Partial<EventEnvelope> = {}): RelayItem<string> {
  const seq = String(version).padStart(4, '0');
  return { itemIdentifier: seq, envelope: envelope(version, overrides), ref: `ref-${seq}` };
}

export function versionOf(entry: PutEventsEntry): number {
  return (JSON.parse(entry.Detail) as EventEnvelope).aggregateVersion;
}

type Reply = (entries: readonly PutEventsEntry[], call: number) => Array<PublishResultEntry | undefined> | 'accept-all';

/**
 * An in-memory EventBridge: `reply` decides each call's outcome (return per-entry results, or
 * throw); entries it answers without an errorCode count as delivered, in delivery order.
 */
export class FakeEventBus implements EventPublisher {
  readonly calls: PutEventsEntry[][] = [];
  readonly delivered: PutEventsEntry[] = [];

  constructor(private readonly reply: Reply = () => 'accept-all') {}

  async putEvents(entries: readonly PutEventsEntry[]): Promise<PublishResultEntry[]> {
    const call = this.calls.length;
    this.calls.push([...entries]);
    const answer = this.reply(entries, call);
    const results: Array<PublishResultEntry | undefined> = answer === 'accept-all' ? entries.map(() => ({})) : answer;
    return entries.map((entry, i) => {
      const result = results[i];
      if (result !== undefined && !result.errorCode) {
        this.delivered.push(entry);
        return { eventId: `eb-${this.delivered.length}` };
      }
      return result ?? { errorCode: 'MissingResultEntry' };
    });
  }

  deliveredVersions(): number[] {
    return this.delivered.map(versionOf);
  }

  callSizes(): number[] {
    return this.calls.map((c) => c.length);
  }
}

export class FakeFailureSink<TRef = string> implements TerminalFailureSink<TRef> {
  readonly recorded: Array<{ item: RelayItem<TRef>; failure: RelayFailure }> = [];
  constructor(private readonly failFor: (item: RelayItem<TRef>) => boolean = () => false) {}

  async record(item: RelayItem<TRef>, failure: RelayFailure): Promise<void> {
    if (this.failFor(item)) throw new Error('sink unavailable');
    this.recorded.push({ item, failure });
  }
}

export class FakeMetrics implements RelayMetrics {
  readonly values: Array<{ name: RelayMetricName; unit: string; value: number }> = [];
  addMetric(name: RelayMetricName, unit: 'Count' | 'Milliseconds', value: number): void {
    this.values.push({ name, unit, value });
  }
  sum(name: RelayMetricName): number {
    return this.values.filter((v) => v.name === name).reduce((total, v) => total + v.value, 0);
  }
  all(name: RelayMetricName): number[] {
    return this.values.filter((v) => v.name === name).map((v) => v.value);
  }
}

/** Keeps every line the relay logs, with its level. */
export class RecordingLogger implements Required<RelayLogger> {
  readonly lines: Array<{ level: string; message: string; attributes: Record<string, unknown> }> = [];
  debug(message: string, attributes: Record<string, unknown>) {
    this.lines.push({ level: 'debug', message, attributes });
  }
  info(message: string, attributes: Record<string, unknown>) {
    this.lines.push({ level: 'info', message, attributes });
  }
  warn(message: string, attributes: Record<string, unknown>) {
    this.lines.push({ level: 'warn', message, attributes });
  }
  error(message: string, attributes: Record<string, unknown>) {
    this.lines.push({ level: 'error', message, attributes });
  }
}

/** A clock that only moves when the relay sleeps: no real waiting, no timing in assertions. */
export class FakeClock {
  nowMs = Date.parse('2026-01-01T00:00:01.000Z');
  readonly sleeps: number[] = [];
  constructor(private readonly deadlineMs: number = Number.POSITIVE_INFINITY) {}
  remainingTimeMs = (): number => this.deadlineMs - this.nowMs;
  sleep = async (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    this.nowMs += ms;
  };
  now = (): number => this.nowMs;
  static withBudget(budgetMs: number): FakeClock {
    const clock = new FakeClock();
    return new FakeClock(clock.nowMs + budgetMs);
  }
}

export class NamedError extends Error {
  constructor(name: string, message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.name = name;
    Object.assign(this, extra);
  }
}
