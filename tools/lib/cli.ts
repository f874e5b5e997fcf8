import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * What the operator tools share: exit codes, usage errors, and the way a run ends. Output goes to
 * stderr (diagnostics, progress) and stdout (the summary line), so a script can keep the summary.
 */

/** 0 done, 1 something left (failed again, unsettled, not moved, an expired window kept), 2 usage or configuration error. */
export const EXIT_DONE = 0;
export const EXIT_SOMETHING_LEFT = 1;
export const EXIT_USAGE = 2;

/** A mistake in how the tool was called (flags, the outputs file): nothing was done. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Where a tool writes; tests pass their own. */
export interface ToolIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean };
}

export const processIo: ToolIo = { stdout: process.stdout, stderr: process.stderr };

/** The flags of `argv` (`--name value`, no positionals) as `options` describes them; anything else is a UsageError. */
export function parseFlags<const O extends NonNullable<ParseArgsConfig['options']>>(
  argv: readonly string[],
  options: O,
): ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: false }>>['values'] {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (error: unknown) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** A strictly positive integer flag, or a UsageError naming it. */
export function parsePositiveInteger(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new UsageError(`${flag} must be a positive integer, got "${value}"`);
  return parsed;
}

/** An ISO-8601 timestamp flag, or a UsageError naming it. */
export function parseTimestamp(flag: string, value: string | undefined): Date {
  if (value === undefined) throw new UsageError(`${flag} is required`);
  const date = /^\d{4}-\d{2}-\d{2}/.test(value) ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) throw new UsageError(`${flag} must be an ISO-8601 timestamp (e.g. 2026-01-31T12:00:00Z), got "${value}"`);
  return date;
}

export function errorMessage(error: unknown): string {
  if ((error as { code?: unknown } | null)?.code === 'ECONNREFUSED' && error instanceof Error) {
    return `${error.message}: nothing answers at that endpoint (is the local runtime running? npm start)`;
  }
  if (error instanceof Error) return error.name === 'Error' || error.name === 'UsageError' ? error.message : `${error.name}: ${error.message}`;
  return String(error);
}

/**
 * Runs `main` as the process's entry point: its result is the exit code; a UsageError prints the
 * message and the hint and exits 2, anything else prints and exits 1.
 */
export function runAsMain(main: () => Promise<number>, usageHint: string): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      if (error instanceof UsageError) {
        process.stderr.write(`error: ${error.message}\n${usageHint}\n`);
        process.exitCode = EXIT_USAGE;
        return;
      }
      process.stderr.write(`error: ${errorMessage(error)}\n`);
      process.exitCode = EXIT_SOMETHING_LEFT;
    },
  );
}
