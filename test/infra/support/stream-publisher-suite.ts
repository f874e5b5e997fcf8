import { App, Duration, Size, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, test } from '@jest/globals';
import type { NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import type {
  StreamEventPublisher,
  StreamEventSourceOverrides,
  StreamPublisherProps,
} from '../../../lib/constructs/internal/stream-publisher';
import { alarmProperties, logicalIdOf, ref } from './templates';

export type BuildProps = Partial<StreamPublisherProps> & { functionProps?: NodejsFunctionProps };

export interface StreamPublisherSuite {
  /** 'OutboxRelay' or 'ChangeDataCapture', as in its error messages. */
  readonly owner: string;
  /** Builds the construct (id as in `service`) in a fresh stack with the props given. */
  readonly build: (props?: BuildProps) => { publisher: StreamEventPublisher; template: Template };
  /** The construct id: the `service` dimension of its metrics. */
  readonly service: string;
  /** The runbook anchor its dead-letter queue alarm points to. */
  readonly deadLetterQueueRunbookSection: string;
}

/**
 * What OutboxRelay and ChangeDataCapture share (their wiring is one helper): the explicit event
 * source props, the retry timing handed to the function, and the three alarms. One test per behaviour.
 */
export function streamPublisherTests(suite: StreamPublisherSuite): void {
  const { owner, build } = suite;
  const mapping = (template: Template) => Object.values(template.findResources('AWS::Lambda::EventSourceMapping'))[0].Properties;
  const environment = (template: Template) => Object.values(template.findResources('AWS::Lambda::Function'))[0].Properties.Environment.Variables;

  describe(`${owner} event source props`, () => {
    test('batchSize sets the batch size', () => {
      expect(mapping(build({ batchSize: 25 }).template).BatchSize).toBe(25);
    });

    test('bisectBatchOnError false turns bisection off', () => {
      expect(mapping(build({ bisectBatchOnError: false }).template).BisectBatchOnFunctionError).toBe(false);
    });

    test('retryAttempts sets the retries', () => {
      expect(mapping(build({ retryAttempts: 3 }).template).MaximumRetryAttempts).toBe(3);
    });

    test('eventSourceProps set the other settings', () => {
      expect(mapping(build({ eventSourceProps: { parallelizationFactor: 2 } }).template).ParallelizationFactor).toBe(2);
    });
  });

  describe(`${owner} retry timing`, () => {
    const { template } = build();

    test('backoff base is 50 ms by default (RELAY_BACKOFF_BASE_MS)', () => {
      expect(environment(template).RELAY_BACKOFF_BASE_MS).toBe('50');
    });

    test('backoff cap is 5 s by default (RELAY_BACKOFF_CAP_MS)', () => {
      expect(environment(template).RELAY_BACKOFF_CAP_MS).toBe('5000');
    });

    test('safety margin is 5 s by default (RELAY_SAFETY_MARGIN_MS)', () => {
      expect(environment(template).RELAY_SAFETY_MARGIN_MS).toBe('5000');
    });

    test('the timing props set the variables', () => {
      const variables = environment(
        build({ backoffBase: Duration.millis(100), backoffCap: Duration.seconds(2), safetyMargin: Duration.seconds(10) }).template,
      );
      expect(variables).toMatchObject({ RELAY_BACKOFF_BASE_MS: '100', RELAY_BACKOFF_CAP_MS: '2000', RELAY_SAFETY_MARGIN_MS: '10000' });
    });

    test('10 PutEvents calls in flight by default (RELAY_MAX_CONCURRENT_CALLS), and a 256 KiB size limit (RELAY_PUT_EVENTS_MAX_BYTES)', () => {
      expect(environment(template)).toMatchObject({ RELAY_MAX_CONCURRENT_CALLS: '10', RELAY_PUT_EVENTS_MAX_BYTES: '262144' });
    });

    test('maxConcurrentCalls and putEventsSizeLimit set the variables', () => {
      const variables = environment(build({ maxConcurrentCalls: 1, putEventsSizeLimit: Size.mebibytes(1) }).template);
      expect(variables).toMatchObject({ RELAY_MAX_CONCURRENT_CALLS: '1', RELAY_PUT_EVENTS_MAX_BYTES: '1048576' });
    });

    test('the props win over functionProps.environment', () => {
      expect(environment(build({ functionProps: { environment: { RELAY_BACKOFF_CAP_MS: '1' } } }).template).RELAY_BACKOFF_CAP_MS).toBe('5000');
    });
  });

  describe(`${owner} validation of the timing and event source props`, () => {
    test('refuses batchSize given in eventSourceProps', () => {
      // What a JavaScript caller (no type check) could pass.
      const eventSourceProps = { batchSize: 5 } as unknown as StreamEventSourceOverrides;
      expect(() => build({ eventSourceProps })).toThrow(
        new RegExp(`${owner}: set batchSize as a prop of its own, not as eventSourceProps.batchSize`),
      );
    });

    test('refuses a backoff base longer than the cap', () => {
      expect(() => build({ backoffBase: Duration.seconds(2), backoffCap: Duration.seconds(1) })).toThrow(
        new RegExp(`${owner}: backoffBase \\(2000 ms\\) is longer than backoffCap \\(1000 ms\\)`),
      );
    });

    test('refuses a zero backoff base', () => {
      expect(() => build({ backoffBase: Duration.millis(0) })).toThrow(new RegExp(`${owner}: backoffBase must be longer than 0 ms`));
    });

    test('refuses maxConcurrentCalls outside 1–50 or not whole', () => {
      for (const calls of [0, 51, 2.5]) {
        expect(() => build({ maxConcurrentCalls: calls })).toThrow(new RegExp(`${owner}: maxConcurrentCalls must be a whole number from 1 to 50, got ${calls}`));
      }
    });

    test('refuses a putEventsSizeLimit below 256 KiB or above 1 MiB', () => {
      expect(() => build({ putEventsSizeLimit: Size.kibibytes(128) })).toThrow(new RegExp(`${owner}: putEventsSizeLimit must be from 256 KiB .* got 131072 bytes`));
      expect(() => build({ putEventsSizeLimit: Size.mebibytes(2) })).toThrow(new RegExp(`${owner}: putEventsSizeLimit must be from 256 KiB .* got 2097152 bytes`));
    });

    test('refuses a safety margin not shorter than the function timeout', () => {
      expect(() => build({ safetyMargin: Duration.seconds(60) })).toThrow(
        new RegExp(`${owner}: safetyMargin \\(60000 ms\\) is not shorter than functionProps.timeout \\(60000 ms\\)`),
      );
    });
  });

  describe(`${owner} alarms`, () => {
    const { template, publisher } = build();
    const deadLetterQueue = () => alarmProperties(template, publisher.deadLetterQueueAlarm);
    const iteratorAge = () => alarmProperties(template, publisher.iteratorAgeAlarm);
    const failedEvents = () => alarmProperties(template, publisher.failedEventsAlarm);

    test('are exactly the three public ones', () => {
      expect(Object.keys(template.findResources('AWS::CloudWatch::Alarm')).sort()).toEqual(
        [publisher.deadLetterQueueAlarm, publisher.iteratorAgeAlarm, publisher.failedEventsAlarm].map(logicalIdOf).sort(),
      );
      expect(publisher.alarms).toEqual([publisher.deadLetterQueueAlarm, publisher.iteratorAgeAlarm, publisher.failedEventsAlarm]);
    });

    test('dead-letter queue alarm watches the messages visible in its dead-letter queue', () => {
      expect(deadLetterQueue()).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalIdOf(publisher.deadLetterQueue), 'QueueName'] } }],
        Statistic: 'Maximum',
      });
    });

    test('dead-letter queue alarm fires on one message', () => {
      expect(deadLetterQueue()).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 1 });
    });

    test(`dead-letter queue alarm points to the runbook section ${suite.deadLetterQueueRunbookSection}`, () => {
      expect(deadLetterQueue().AlarmDescription).toMatch(new RegExp(`Runbook: docs/runbook\\.md#${suite.deadLetterQueueRunbookSection}$`));
    });

    test("iterator age alarm watches the function's IteratorAge maximum per minute", () => {
      expect(iteratorAge()).toMatchObject({
        Namespace: 'AWS/Lambda',
        MetricName: 'IteratorAge',
        Dimensions: [{ Name: 'FunctionName', Value: ref(publisher.function) }],
        Statistic: 'Maximum',
        Period: 60,
      });
    });

    test('iterator age alarm fires at 60 s for 3 minutes in a row', () => {
      expect(iteratorAge()).toMatchObject({
        Threshold: 60_000,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 3,
        DatapointsToAlarm: 3,
      });
    });

    test('iteratorAgeAlarmThreshold sets the threshold', () => {
      const other = build({ iteratorAgeAlarmThreshold: Duration.minutes(5) });
      expect(alarmProperties(other.template, other.publisher.iteratorAgeAlarm).Threshold).toBe(300_000);
    });

    test('iterator age alarm points to the runbook section stream-iterator-age', () => {
      expect(iteratorAge().AlarmDescription).toMatch(/Runbook: docs\/runbook\.md#stream-iterator-age$/);
    });

    test(`FAILED events alarm watches EventsFailed of service ${suite.service} in namespace dualwrite`, () => {
      expect(failedEvents()).toMatchObject({
        Namespace: 'dualwrite',
        MetricName: 'EventsFailed',
        Dimensions: [{ Name: 'service', Value: suite.service }],
      });
    });

    test('FAILED events alarm fires on a sum of 1 in 5 minutes', () => {
      expect(failedEvents()).toMatchObject({
        Statistic: 'Sum',
        Period: 300,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
      });
    });

    test('FAILED events alarm points to the runbook section failed-events', () => {
      expect(failedEvents().AlarmDescription).toMatch(/Runbook: docs\/runbook\.md#failed-events$/);
    });

    test('FAILED events alarm follows a POWERTOOLS_SERVICE_NAME given in functionProps', () => {
      const other = build({ functionProps: { environment: { POWERTOOLS_SERVICE_NAME: 'Renamed' } } });
      expect(alarmProperties(other.template, other.publisher.failedEventsAlarm).Dimensions).toEqual([{ Name: 'service', Value: 'Renamed' }]);
    });

    test('missing data is not a breach (an idle function sends none)', () => {
      for (const alarm of [deadLetterQueue(), iteratorAge(), failedEvents()]) expect(alarm.TreatMissingData).toBe('notBreaching');
    });

    test('have no actions without alarmTopic', () => {
      for (const alarm of [deadLetterQueue(), iteratorAge(), failedEvents()]) {
        expect(alarm.AlarmActions).toBeUndefined();
        expect(alarm.OKActions).toBeUndefined();
      }
    });
  });

  describe(`${owner} alarmTopic`, () => {
    test('every alarm notifies the topic on ALARM and on OK', () => {
      // An ARN-only import: the alarms hold the ARN as a string, so any stack may own the import.
      const alarmTopic = sns.Topic.fromTopicArn(new Stack(new App(), 'Topics'), 'Topic', 'arn:aws:sns:eu-west-1:111111111111:alarms');
      const { template, publisher } = build({ alarmTopic });
      for (const alarm of publisher.alarms) {
        expect(alarmProperties(template, alarm)).toMatchObject({
          AlarmActions: ['arn:aws:sns:eu-west-1:111111111111:alarms'],
          OKActions: ['arn:aws:sns:eu-west-1:111111111111:alarms'],
        });
      }
    });
  });

  describe(`${owner} metric()`, () => {
    test('names the Powertools namespace and service dimension', () => {
      const { publisher } = build();
      const metric = publisher.metric('PublishLagMs', { statistic: 'p99' });
      expect({ namespace: metric.namespace, name: metric.metricName, dimensions: metric.dimensions, statistic: metric.statistic }).toEqual({
        namespace: 'dualwrite',
        name: 'PublishLagMs',
        dimensions: { service: suite.service },
        statistic: 'p99',
      });
    });
  });
}
