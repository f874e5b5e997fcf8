import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** Where each alarm's description sends the operator (repository path + section anchor). */
const RUNBOOK = 'docs/runbook.md';

/** The anchors of docs/runbook.md the alarms point to; the infra tests check each one exists. */
export const RUNBOOK_SECTIONS = {
  relayDeadLetterQueue: 'relay-dead-letter-queue',
  cdcDeadLetterQueue: 'cdc-dead-letter-queue',
  consumerDeadLetterQueue: 'consumer-dead-letter-queue',
  iteratorAge: 'stream-iterator-age',
  failedEvents: 'failed-events',
} as const;

export type RunbookSection = (typeof RUNBOOK_SECTIONS)[keyof typeof RUNBOOK_SECTIONS];

const runbookLink = (section: RunbookSection): string => `${RUNBOOK}#${section}`;

/** The alarm props every dualwrite construct takes. */
export interface AlarmChoice {
  /**
   * Topic notified when one of the construct's alarms goes to ALARM (and back to OK).
   *
   * @default - the alarms are created without actions: they show on the dashboard and in the
   * CloudWatch console; subscribe someone by passing a topic
   */
  readonly alarmTopic?: sns.ITopic;
}

export interface AlarmSpec {
  readonly metric: cloudwatch.IMetric;
  readonly threshold: number;
  readonly evaluationPeriods: number;
  readonly description: string;
  readonly runbookSection: RunbookSection;
}

/**
 * An alarm on `metric ≥ threshold` over `evaluationPeriods` consecutive periods. No data is not a
 * breach: a DLQ nobody wrote to and a relay with nothing to publish send no data points.
 */
export function createAlarm(scope: Construct, id: string, spec: AlarmSpec, topic: sns.ITopic | undefined): cloudwatch.Alarm {
  const alarm = new cloudwatch.Alarm(scope, id, {
    metric: spec.metric,
    threshold: spec.threshold,
    evaluationPeriods: spec.evaluationPeriods,
    datapointsToAlarm: spec.evaluationPeriods,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    alarmDescription: `${spec.description} Runbook: ${runbookLink(spec.runbookSection)}`,
  });
  if (topic !== undefined) {
    const action = new cloudwatchActions.SnsAction(topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
  }
  return alarm;
}

/** Messages waiting in a dead-letter queue: anything at all there needs an operator. */
export function deadLetterQueueDepthMetric(queue: sqs.IQueue): cloudwatch.Metric {
  return queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM });
}

/** How far a stream-fed function lags behind its stream: the age of the newest record read (`IteratorAge`), maximum per minute. */
export function iteratorAgeMetric(fn: lambda.IFunction): cloudwatch.Metric {
  return fn.metric('IteratorAge', { statistic: cloudwatch.Stats.MAXIMUM, period: Duration.minutes(1) });
}

export function deadLetterQueueAlarm(
  scope: Construct,
  queue: sqs.IQueue,
  what: string,
  runbookSection: RunbookSection,
  topic: sns.ITopic | undefined,
): cloudwatch.Alarm {
  return createAlarm(
    scope,
    'DeadLetterQueueAlarm',
    {
      metric: deadLetterQueueDepthMetric(queue),
      threshold: 1,
      evaluationPeriods: 1,
      description: `${scope.node.path}: ${what}`,
      runbookSection,
    },
    topic,
  );
}
