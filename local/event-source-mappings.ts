/** The template's `AWS::Lambda::EventSourceMapping`s, emulated by pollers in this process (never created in moto). */
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { FunctionInvoker } from './function-invoker';
import { findFunction, type LocalFunction } from './functions';
import { conditionHolds } from './intrinsics';
import type { RuntimeLog } from './log';
import type { ProvisionedResources } from './resources';
import type { TtlDeletionLookup } from './ttl-deletions';
import type { EventSourceFaults } from './faults';
import { InvalidFilterPatternError, parseFilterCriteria } from './filter-criteria';
import { SqsEventSource, sqsSettingsFromMapping } from './sqs-event-source';
import { DynamoDbStreamEventSource, streamSettingsFromMapping } from './stream-event-source';
import { resourcesOfType, type CfnTemplate } from './template';

export interface EventSource {
  start(): void;
  stop(): Promise<void>;
}

export interface CreateEventSourcesOptions {
  template: CfnTemplate;
  provisioned: ProvisionedResources;
  functions: readonly LocalFunction[];
  streams: DynamoDBStreamsClient;
  sqs: SQSClient;
  log: RuntimeLog;
  /** The local TTL sweeper's deletions, recognised in stream records (ttl-deletions.ts). */
  ttlDeletions?: TtlDeletionLookup;
  /** Fault injection for chaos runs (local/faults.ts). @default none */
  faults?: EventSourceFaults;
  /** Wraps the function each mapping invokes, to watch what it delivers (the inspector, local/inspector/). @default none */
  observe?: (invoker: FunctionInvoker) => FunctionInvoker;
}

/** Settings Lambda has that the local pollers do not emulate; named in a warning when a mapping uses them. */
const NOT_EMULATED = ['TumblingWindowInSeconds', 'ScalingConfig', 'ProvisionedPollerConfig', 'KmsKeyArn', 'DocumentDBEventSourceConfig'];

/** A mapping whose `FilterCriteria` AWS would refuse: Lambda rejects the mapping, so the local runtime does not start. */
export class InvalidEventFilterError extends Error {
  constructor(readonly refusals: readonly string[]) {
    super(
      `AWS would refuse the FilterCriteria of ${refusals.length} event source mapping(s), so the local runtime does not start:\n` +
        refusals.map((refusal) => `  - ${refusal}`).join('\n'),
    );
    this.name = 'InvalidEventFilterError';
  }
}

/**
 * Checks every mapping's `FilterCriteria` as Lambda does when the mapping is created, straight after
 * synth: a pattern AWS refuses fails the start, naming the function, the mapping and the rule,
 * instead of dropping or throwing on records later. Criteria built with intrinsics are checked once
 * resolved, in `createEventSources`.
 */
export function refuseInvalidFilterCriteria(template: CfnTemplate): void {
  const refusals: string[] = [];
  for (const [logicalId, resource] of resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')) {
    const properties = resource.Properties ?? {};
    if (containsIntrinsic(properties.FilterCriteria)) continue;
    const refusal = filterCriteriaRefusal(logicalId, functionLabel(template, properties.FunctionName), properties.FilterCriteria);
    if (refusal !== undefined) refusals.push(refusal);
  }
  if (refusals.length > 0) throw new InvalidEventFilterError(refusals);
}

function filterCriteriaRefusal(mappingLogicalId: string, functionName: string, criteria: unknown): string | undefined {
  try {
    parseFilterCriteria(criteria);
    return undefined;
  } catch (error) {
    if (!(error instanceof InvalidFilterPatternError)) throw error;
    return `function ${functionName}, event source mapping ${mappingLogicalId}, FilterCriteria ${error.message}`;
  }
}

/** The function a mapping feeds, as the template names it: `OrdersRelay (dualwrite-relay)`, or its logical id. */
function functionLabel(template: CfnTemplate, functionName: unknown): string {
  if (typeof functionName === 'string') return functionName;
  const reference = functionName as { Ref?: unknown; 'Fn::GetAtt'?: unknown } | null | undefined;
  const getAtt = reference?.['Fn::GetAtt'];
  const logicalId = typeof reference?.Ref === 'string' ? reference.Ref : Array.isArray(getAtt) ? String(getAtt[0]) : undefined;
  if (logicalId === undefined) return JSON.stringify(functionName);
  const declaredName = template.Resources[logicalId]?.Properties?.FunctionName;
  return typeof declaredName === 'string' ? `${logicalId} (${declaredName})` : logicalId;
}

function containsIntrinsic(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(containsIntrinsic);
  if (value === null || typeof value !== 'object') return false;
  return Object.entries(value).some(([key, child]) => key === 'Ref' || key.startsWith('Fn::') || containsIntrinsic(child));
}

export async function createEventSources(options: CreateEventSourcesOptions): Promise<EventSource[]> {
  const { provisioned, log } = options;
  const sources: EventSource[] = [];
  for (const [logicalId, resource] of resourcesOfType(options.template, 'AWS::Lambda::EventSourceMapping')) {
    if (!conditionHolds(resource.Condition, provisioned.scope)) continue;
    const properties = provisioned.resolve(resource.Properties ?? {}) as Record<string, unknown>;
    if (properties.Enabled === false || properties.Enabled === 'false') {
      log.info(`event source mapping ${logicalId} is disabled in the template; not polled`);
      continue;
    }
    const fn = findFunction(options.functions, String(properties.FunctionName));
    if (fn === undefined) {
      log.warn(`event source mapping ${logicalId}: function ${String(properties.FunctionName)} is not in the template; not polled`);
      continue;
    }
    const unsupported = NOT_EMULATED.filter((setting) => properties[setting] !== undefined);
    if (unsupported.length > 0) log.warn(`event source mapping ${logicalId}: ${unsupported.join(', ')} not emulated locally`);
    if (Number(properties.ParallelizationFactor ?? 1) > 1) {
      log.debug(`event source mapping ${logicalId}: ParallelizationFactor ${String(properties.ParallelizationFactor)} runs as 1 locally`);
    }

    const refusal = filterCriteriaRefusal(logicalId, fn.lambda.functionName, properties.FilterCriteria);
    if (refusal !== undefined) throw new InvalidEventFilterError([refusal]);

    const invoker = options.observe?.(fn.lambda) ?? fn.lambda;
    const sourceArn = String(properties.EventSourceArn);
    const [, , service, , account, resourcePart] = sourceArn.split(':');
    const name = `${logicalId} (${fn.lambda.functionName})`;
    if (service === 'dynamodb' && resourcePart?.includes('/stream/')) {
      if (properties.StartingPosition === 'AT_TIMESTAMP') log.warn(`${logicalId}: StartingPosition AT_TIMESTAMP runs as TRIM_HORIZON locally`);
      sources.push(
        new DynamoDbStreamEventSource({
          name,
          streamArn: sourceArn,
          function: invoker,
          settings: streamSettingsFromMapping(properties),
          streams: options.streams,
          sqs: options.sqs,
          log,
          ...(options.ttlDeletions !== undefined ? { ttlDeletions: options.ttlDeletions } : {}),
          ...(options.faults !== undefined ? { faults: options.faults } : {}),
        }),
      );
    } else if (service === 'sqs' && resourcePart !== undefined) {
      const { QueueUrl } = await options.sqs.send(
        new GetQueueUrlCommand({ QueueName: resourcePart, ...(account ? { QueueOwnerAWSAccountId: account } : {}) }),
      );
      sources.push(
        new SqsEventSource({
          name,
          queueArn: sourceArn,
          queueUrl: QueueUrl!,
          function: invoker,
          settings: sqsSettingsFromMapping(properties),
          sqs: options.sqs,
          log,
          ...(options.faults !== undefined ? { faults: options.faults } : {}),
        }),
      );
    } else {
      log.warn(`event source mapping ${logicalId}: ${service} sources (${sourceArn}) are not emulated locally`);
    }
  }
  return sources;
}
