/**
 * A local runtime (`npm start`, `npx dualwrite-local`) run as a child process in its own process
 * group: wait for its ready line, stop it as a Ctrl-C would. The e2e global setup and the worked
 * example's test both run one.
 */
import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';

import { READY_LINE_PREFIX } from '../../../local/ready-line';

const STOP_DEADLINE_MS = 20_000;

/**
 * Resolves with the ready line; rejects, with the runtime's last lines, if it exits or `deadlineMs`
 * passes. Everything it prints goes to `logFile`.
 */
export function waitForReadyLine(child: ChildProcess, logFile: string, deadlineMs: number): Promise<string> {
  const log = createWriteStream(logFile);
  let tail: string[] = [];
  const remember = (line: string) => {
    tail.push(line);
    if (tail.length > 150) tail = tail.slice(-150);
  };
  return new Promise<string>((resolve, reject) => {
    const fail = (reason: string) => {
      clearTimeout(timer);
      reject(new Error(`the local runtime ${reason}. Its output (full log: ${logFile}):\n${tail.join('\n')}`));
    };
    const timer = setTimeout(() => fail(`printed no ready line within ${deadlineMs / 1000} s`), deadlineMs);
    for (const [stream, name] of [[child.stdout!, 'out'], [child.stderr!, 'err']] as const) {
      let partial = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        log.write(chunk);
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          remember(line);
          if (name === 'out' && line.startsWith(READY_LINE_PREFIX)) {
            clearTimeout(timer);
            resolve(line);
          }
        }
      });
    }
    child.once('exit', (code, signal) => fail(`exited (code ${code}, signal ${signal}) before it was ready`));
    child.once('error', (error) => fail(`could not be started: ${error.message}`));
  });
}

/** SIGTERM to the child's process group (npx, tsx and the runtime together); SIGKILL if it is still there after 20 s. */
export async function stopProcessGroup(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // the group is gone already
    }
  };
  signalGroup('SIGTERM');
  const killer = setTimeout(() => signalGroup('SIGKILL'), STOP_DEADLINE_MS);
  await exited;
  clearTimeout(killer);
}
