import type { Template } from 'aws-cdk-lib/assertions';
import { test } from '@jest/globals';
import type { IConstruct } from 'constructs';
import { arnOf, logicalIdOf } from './templates';

export interface StreamEventSourceExpectations {
  readonly template: Template;
  readonly table: IConstruct;
  readonly deadLetterQueue: IConstruct;
  readonly batchingWindowSeconds: number;
  readonly maxRecordAgeSeconds: number;
}

/**
 * The stream event source settings OutboxRelay and ChangeDataCapture share (their wiring is one
 * helper), one test per setting. Each construct's own filter is tested in its own file.
 */
export function streamEventSourceTests(expected: StreamEventSourceExpectations): void {
  const { template } = expected;
  const hasMapping = (properties: Record<string, unknown>) => template.hasResourceProperties('AWS::Lambda::EventSourceMapping', properties);

  test('reads the table stream', () => {
    hasMapping({ EventSourceArn: { 'Fn::GetAtt': [logicalIdOf(expected.table), 'StreamArn'] } });
  });

  test('starts at the trim horizon', () => {
    hasMapping({ StartingPosition: 'TRIM_HORIZON' });
  });

  test('batch size is 100', () => {
    hasMapping({ BatchSize: 100 });
  });

  test(`batching window is ${expected.batchingWindowSeconds} s`, () => {
    hasMapping({ MaximumBatchingWindowInSeconds: expected.batchingWindowSeconds });
  });

  test('bisects a batch on function error', () => {
    hasMapping({ BisectBatchOnFunctionError: true });
  });

  test('retries 10 times', () => {
    hasMapping({ MaximumRetryAttempts: 10 });
  });

  test(`gives up on records older than ${expected.maxRecordAgeSeconds} s`, () => {
    hasMapping({ MaximumRecordAgeInSeconds: expected.maxRecordAgeSeconds });
  });

  test('reports batch item failures', () => {
    hasMapping({ FunctionResponseTypes: ['ReportBatchItemFailures'] });
  });

  test('parallelization factor is 1', () => {
    hasMapping({ ParallelizationFactor: 1 });
  });

  test('sends failed batches to its dead-letter queue', () => {
    hasMapping({ DestinationConfig: { OnFailure: { Destination: arnOf(expected.deadLetterQueue) } } });
  });
}
