/** Messages between the Lambda runtime (main thread) and a function's worker threads. Types only. */

export interface WorkerData {
  modulePath: string;
  exportName: string;
  functionName: string;
  functionArn: string;
  memorySizeMb: number;
  logGroupName: string;
  logStreamName: string;
  enableSourceMaps: boolean;
}

/** What Lambda reports for a failed invocation (`errorType`, `errorMessage`, `trace`). */
export interface InvocationError {
  errorType: string;
  errorMessage: string;
  trace: string[];
}

export type ParentToWorker = { type: 'invoke'; requestId: string; event: unknown; deadlineEpochMs: number };

export type WorkerToParent =
  | { type: 'ready' }
  | { type: 'init-error'; error: InvocationError }
  | { type: 'result'; requestId: string; ok: true; payload: string }
  | { type: 'result'; requestId: string; ok: false; error: InvocationError };
