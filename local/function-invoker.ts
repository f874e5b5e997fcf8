import type { InvocationResult } from './lambda-runtime';

/** What an event source needs of a function: satisfied by `LambdaFunction`, and by fakes in tests. */
export interface FunctionInvoker {
  readonly functionName: string;
  readonly functionArn: string;
  invoke(event: unknown): Promise<InvocationResult>;
}

/**
 * The item identifiers a partial batch response names, or `'all'` when Lambda would treat the whole
 * batch as failed (an identifier that is empty, missing or not in the batch). An empty or missing
 * `batchItemFailures` means success: `[]`.
 */
export function failedItemIdentifiers(payload: unknown, batchIdentifiers: readonly string[]): string[] | 'all' {
  if (payload === null || typeof payload !== 'object') return [];
  const failures = (payload as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return [];
  if (!Array.isArray(failures)) return 'all';
  const known = new Set(batchIdentifiers);
  const identifiers: string[] = [];
  for (const failure of failures) {
    const identifier = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof identifier !== 'string' || identifier === '' || !known.has(identifier)) return 'all';
    identifiers.push(identifier);
  }
  return identifiers;
}

/** A sleep that `stop()` can cut short. */
export class Sleeper {
  private wakers = new Set<() => void>();
  private stopped = false;

  sleep(ms: number): Promise<void> {
    if (this.stopped || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }

  wakeAll(): void {
    this.stopped = true;
    for (const wake of [...this.wakers]) wake();
  }
}

/** Logs a repeating error once, then at most every `intervalMs`, so a poll loop does not flood the log. */
export class ThrottledErrorLog {
  private lastMessage?: string;
  private lastLoggedAt = 0;

  constructor(
    private readonly write: (message: string) => void,
    private readonly intervalMs = 30_000,
  ) {}

  report(message: string): void {
    const now = Date.now();
    if (message !== this.lastMessage || now - this.lastLoggedAt >= this.intervalMs) {
      this.write(message);
      this.lastMessage = message;
      this.lastLoggedAt = now;
    }
  }

  clear(): void {
    this.lastMessage = undefined;
  }
}
