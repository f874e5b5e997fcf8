/** The local runtime's own log: one line per message on stderr, so stdout keeps only the ready line. */
export interface RuntimeLog {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** Output of a Lambda function, one line at a time, already without its newline. */
  functionOutput(functionName: string, stream: 'stdout' | 'stderr', line: string): void;
}

export interface ConsoleLogOptions {
  /** Also print debug lines (`LOCAL_DEBUG=1`). @default false */
  debug?: boolean;
  /** Print the Lambda functions' own output. @default true */
  functionOutput?: boolean;
  /** @default process.stderr */
  write?: (line: string) => void;
}

export function consoleLog(options: ConsoleLogOptions = {}): RuntimeLog {
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const showFunctionOutput = options.functionOutput ?? true;
  return {
    debug: (message) => {
      if (options.debug) write(`[local] debug: ${message}`);
    },
    info: (message) => write(`[local] ${message}`),
    warn: (message) => write(`[local] warning: ${message}`),
    error: (message) => write(`[local] error: ${message}`),
    functionOutput: (functionName, _stream, line) => {
      if (showFunctionOutput) write(`[${functionName}] ${line}`);
    },
  };
}

/** Drops everything; for tests that assert on behaviour rather than output. */
export const silentLog: RuntimeLog = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  functionOutput: () => {},
};

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
