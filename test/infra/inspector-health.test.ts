/**
 * The inspector's health panel judges queues, FAILED items and stream lag by the alarms the stack
 * itself defines: here, what `topologyOf` finds in the sample stack's synthesized template.
 */
import { describe, expect, it } from '@jest/globals';
import { buildDualwriteApp } from '../../lib/dualwrite-app';
import { breaches, topologyOf } from '../../local/inspector/health';
import { resolveIntrinsics, type IntrinsicScope } from '../../local/intrinsics';
import type { ProvisionedResources } from '../../local/resources';
import type { CfnTemplate } from '../../local/template';
import { SKIP_BUNDLING } from './support/templates';

const { app, stack } = buildDualwriteApp({ context: SKIP_BUNDLING });
const template = app.synth().getStackByName(stack.stackName).template as CfnTemplate;

/** Local values named after the logical ids, so that the test can tell which resource is which. */
const scope: IntrinsicScope = {
  pseudo: { region: 'us-east-1', accountId: '123456789012', partition: 'aws', urlSuffix: 'amazonaws.com', stackName: 'Dualwrite', stackId: 'local' },
  template,
  ref: (logicalId) => (template.Resources[logicalId]?.Type === 'AWS::SQS::Queue' ? `http://127.0.0.1:4566/123456789012/${logicalId}` : logicalId),
  getAtt: (logicalId, attribute) => {
    const type = template.Resources[logicalId]?.Type;
    if (attribute === 'Arn' && type === 'AWS::SQS::Queue') return `arn:aws:sqs:us-east-1:123456789012:${logicalId}`;
    if (attribute === 'QueueName') return logicalId;
    if (attribute === 'StreamArn') return `arn:aws:dynamodb:us-east-1:123456789012:table/${logicalId}/stream/local`;
    return `arn:aws:local:us-east-1:123456789012:${logicalId}`;
  },
};
const provisioned: ProvisionedResources = { resources: new Map(), scope, resolve: (value) => resolveIntrinsics(value, scope) };
const topology = topologyOf(template, provisioned);
const queueNamed = (prefix: string) => topology.queues.find((queue) => queue.name.startsWith(prefix))!;

describe("the inspector's health topology of the sample stack", () => {
  it('knows each DLQ, what it catches, and judges its depth by its alarm: any message at all', () => {
    expect(queueNamed('TimelineConsumerDeadLetterQueue').deadLetterQueueOf).toMatch(/^TimelineConsumerQueue/);
    expect(queueNamed('PaymentsConsumerDeadLetterQueue').deadLetterQueueOf).toMatch(/^PaymentsConsumerQueue/);
    expect(queueNamed('RelayDeadLetterQueue').onFailureOf).toMatch(/^RelayFunction/);
    expect(queueNamed('CustomerChangesDeadLetterQueue').onFailureOf).toMatch(/^CustomerChangesFunction/);
    const dlqs = topology.queues.filter((queue) => queue.deadLetterQueueOf !== undefined || queue.onFailureOf !== undefined);
    expect(dlqs).toHaveLength(4);
    for (const dlq of dlqs) {
      expect(dlq.depthAlarm).toMatchObject({ threshold: 1, comparison: 'GreaterThanOrEqualToThreshold' });
      expect(breaches(0, dlq.depthAlarm)).toBe(false);
      expect(breaches(1, dlq.depthAlarm)).toBe(true);
    }
    expect(queueNamed('TimelineConsumerQueue').depthAlarm).toBeUndefined();
  });

  it("judges each stream mapping's iterator age by its IteratorAge alarm (60 s, 3 periods)", () => {
    expect(topology.streamMappings.map((mapping) => mapping.functionName).sort()).toEqual([
      expect.stringMatching(/^CustomerChangesFunction/),
      expect.stringMatching(/^RelayFunction/),
    ]);
    for (const mapping of topology.streamMappings) {
      expect(mapping.iteratorAgeAlarm).toMatchObject({ threshold: 60_000, comparison: 'GreaterThanOrEqualToThreshold', evaluationPeriods: 3 });
      expect(breaches(59_999, mapping.iteratorAgeAlarm)).toBe(false);
      expect(breaches(60_000, mapping.iteratorAgeAlarm)).toBe(true);
    }
  });

  it('counts FAILED items in the tables with the FailedOutbox index, judged by the EventsFailed alarms', () => {
    expect(topology.failedIndexTables).toEqual([expect.stringMatching(/^Table/)]);
    expect(topology.failedAlarm).toMatchObject({ threshold: 1, comparison: 'GreaterThanOrEqualToThreshold' });
    expect(topology.partitionKeys.get(topology.failedIndexTables[0]!)).toBe('pk');
  });
});

describe('breaches', () => {
  it.each([
    ['GreaterThanOrEqualToThreshold', 5, true],
    ['GreaterThanThreshold', 5, false],
    ['LessThanThreshold', 4, true],
    ['LessThanOrEqualToThreshold', 6, false],
  ] as const)('%s with threshold 5 and value %d: %s', (comparison, value, expected) => {
    expect(breaches(value, { alarm: 'A', threshold: 5, comparison, evaluationPeriods: 1 })).toBe(expected);
  });

  it('is never a breach without an alarm', () => {
    expect(breaches(1_000_000, undefined)).toBe(false);
  });
});
