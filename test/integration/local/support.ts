/** Shared bits of the local runtime's integration tests: fixture functions and their invocation logs. */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { LambdaFunction } from '../../../local/lambda-runtime';
import { silentLog } from '../../../local/log';
import { awsEndpoint, uniqueName } from '../support/aws';
import { localAwsEnvironment } from '../../../local/emulator';

export const FIXTURES = path.join(__dirname, 'fixtures');

/** A fixture handler run by the local Lambda runtime, logging its invocations to a file the test reads. */
export function fixtureFunction(fixture: string, environment: Record<string, string> = {}) {
  const recordFile = path.join(mkdtempSync(path.join(tmpdir(), 'dualwrite-local-')), 'invocations.jsonl');
  const functionName = uniqueName(fixture.replace(/\.cjs$/, ''));
  const lambda = new LambdaFunction({
    functionName,
    functionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    modulePath: path.join(FIXTURES, fixture),
    timeoutSeconds: 10,
    environment: { ...environment, RECORD_FILE: recordFile },
    runtimeEnvironment: localAwsEnvironment(awsEndpoint()),
    maxConcurrency: 1,
    log: silentLog,
  });
  return {
    lambda,
    /** Every invocation so far, in order. */
    invocations<T = Record<string, unknown>>(): T[] {
      if (!existsSync(recordFile)) return [];
      return readFileSync(recordFile, 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as T);
    },
  };
}
