/**
 * `npm run client -- <resource> <action> [args]` (`--help` at every level): calls the sample
 * service's API of the stack named by an outputs file. See `tools/client/commands.ts`.
 */
import { runClient } from './client/cli';

runClient(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
