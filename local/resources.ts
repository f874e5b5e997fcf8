/**
 * Creates, in the emulator, the resources the synthesized template declares, and gives every
 * resource of the template its local `Ref` and `Fn::GetAtt` values.
 *
 * Three kinds of resource types:
 * - created in the emulator: DynamoDB tables, EventBridge buses, archives and rules (with their SQS
 *   targets), SQS queues and queue policies;
 * - run in this process instead (see runtime.ts): Lambda functions, event source mappings, the API
 *   Gateway REST API, its resources and methods;
 * - nothing to do locally: IAM, log groups, Lambda permissions, API deployments, stages and
 *   account, CDK metadata, alarms…
 * Any other type gets a warning and placeholder values.
 *
 * Physical names: the template's when it sets one, else `<StackName>-<LogicalId>` fitted to the
 * service's rules. A second run against the same emulator REUSES what exists (tables keep their
 * items, queues their messages; queue attributes, rules and targets are updated in place).
 */
import { createHash } from 'node:crypto';
import {
  CreateTableCommand,
  DescribeTableCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import {
  CreateArchiveCommand,
  CreateEventBusCommand,
  DescribeArchiveCommand,
  DescribeEventBusCommand,
  PutRuleCommand,
  PutTargetsCommand,
  UpdateArchiveCommand,
  type EventBridgeClient,
  type Target,
} from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SetQueueAttributesCommand,
  type QueueAttributeName,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import {
  conditionHolds,
  IntrinsicResolutionError,
  referencedLogicalIds,
  resolveIntrinsics,
  type IntrinsicScope,
  type PseudoParameters,
} from './intrinsics';
import { errorMessage, type RuntimeLog } from './log';
import { motoDeviationsFor } from './moto-rule-deviations';
import { generatedPhysicalName, NAME_RULES, type NameRules } from './physical-names';
import type { CfnResource, CfnTemplate } from './template';

export interface LocalResource {
  logicalId: string;
  type: string;
  /** Value of `Ref`. */
  ref: unknown;
  /** Values of `Fn::GetAtt`. */
  attributes: Record<string, unknown>;
}

export interface AwsClients {
  dynamodb: DynamoDBClient;
  sqs: SQSClient;
  eventbridge: EventBridgeClient;
}

export interface ProvisionOptions {
  template: CfnTemplate;
  pseudo: PseudoParameters;
  clients: AwsClients;
  log: RuntimeLog;
}

export interface ProvisionedResources {
  resources: ReadonlyMap<string, LocalResource>;
  scope: IntrinsicScope;
  /** Resolves intrinsics of any template value to local values. */
  resolve(value: unknown): unknown;
}

interface ProvisionContext {
  logicalId: string;
  resource: CfnResource;
  stackName: string;
  pseudo: PseudoParameters;
  clients: AwsClients;
  log: RuntimeLog;
  /** The resource's properties, intrinsics resolved (only for types that declare `resolvesProperties`). */
  properties: Record<string, unknown>;
  /** Resolves one value; for types that need a property or two without depending on everything. */
  resolve(value: unknown): unknown;
}

interface ResourceTypeHandler {
  /** created: made in the emulator; in-process: emulated by this runtime; not-needed: nothing to do locally. */
  kind: 'created' | 'in-process' | 'not-needed';
  /** Whether all properties are resolved (and so every resource they refer to is provisioned) first. */
  resolvesProperties?: boolean;
  provision(context: ProvisionContext): Promise<Omit<LocalResource, 'logicalId' | 'type'>> | Omit<LocalResource, 'logicalId' | 'type'>;
}

export async function provisionResources(options: ProvisionOptions): Promise<ProvisionedResources> {
  const { template, pseudo, log } = options;
  const provisioned = new Map<string, LocalResource>();
  const inProgress = new Map<string, Promise<LocalResource | undefined>>();

  const scope: IntrinsicScope = {
    pseudo,
    template,
    ref(logicalId) {
      return lookUp(logicalId).ref;
    },
    getAtt(logicalId, attribute) {
      const resource = lookUp(logicalId);
      if (!(attribute in resource.attributes)) {
        throw new IntrinsicResolutionError(`${logicalId} (${resource.type}) has no local value for attribute ${attribute}`);
      }
      return resource.attributes[attribute];
    },
  };
  const lookUp = (logicalId: string): LocalResource => {
    const resource = provisioned.get(logicalId);
    if (resource !== undefined) return resource;
    if (template.Resources[logicalId] === undefined) throw new IntrinsicResolutionError(`unknown resource or parameter ${logicalId}`);
    throw new IntrinsicResolutionError(`${logicalId} has no local value (not provisioned, or its Condition is false)`);
  };
  const resolve = (value: unknown) => resolveIntrinsics(value, scope);

  const ensure = (logicalId: string, path: readonly string[]): Promise<LocalResource | undefined> => {
    if (path.includes(logicalId)) throw new Error(`circular reference: ${[...path, logicalId].join(' -> ')}`);
    let promise = inProgress.get(logicalId);
    if (promise === undefined) {
      promise = provisionOne(logicalId, [...path, logicalId]);
      inProgress.set(logicalId, promise);
    }
    return promise;
  };

  const provisionOne = async (logicalId: string, path: readonly string[]): Promise<LocalResource | undefined> => {
    const resource = template.Resources[logicalId];
    if (resource === undefined) return undefined;
    if (!conditionHolds(resource.Condition, scope)) {
      log.debug(`${logicalId} (${resource.Type}) skipped: condition ${resource.Condition} is false`);
      return undefined;
    }
    const handler = RESOURCE_TYPES[resource.Type] ?? unknownType;
    const dependencies = handler.resolvesProperties
      ? referencedLogicalIds(resource.Properties ?? {}, template)
      : new Set<string>();
    await Promise.all([...dependencies].map((dependency) => ensure(dependency, path)));
    const properties = handler.resolvesProperties ? ((resolve(resource.Properties ?? {}) as Record<string, unknown>) ?? {}) : {};
    try {
      const values = await handler.provision({
        logicalId,
        resource,
        stackName: pseudo.stackName,
        pseudo,
        clients: options.clients,
        log,
        properties,
        resolve,
      });
      const local: LocalResource = { logicalId, type: resource.Type, ...values };
      provisioned.set(logicalId, local);
      if (handler.kind === 'created') log.debug(`${resource.Type} ${logicalId} → ${String(values.ref)}`);
      return local;
    } catch (error) {
      throw new Error(`could not create ${resource.Type} ${logicalId} in the emulator: ${errorMessage(error)}`, { cause: error });
    }
  };

  for (const logicalId of Object.keys(template.Resources)) await ensure(logicalId, []);

  const summary = new Map<string, number>();
  for (const resource of provisioned.values()) {
    const kind = (RESOURCE_TYPES[resource.type] ?? unknownType).kind;
    if (kind === 'created') summary.set(resource.type, (summary.get(resource.type) ?? 0) + 1);
  }
  log.info(`created or reused in the emulator: ${[...summary].map(([type, count]) => `${count} ${type}`).join(', ') || 'nothing'}`);
  return { resources: provisioned, scope, resolve };
}

/** The resource's own name property if the template sets one, else `<StackName>-<LogicalId>` fitted to `rules`. */
function physicalName(context: ProvisionContext, nameProperty: string, rules: NameRules): string {
  const explicit = context.properties[nameProperty] ?? safeResolve(context, context.resource.Properties?.[nameProperty]);
  if (typeof explicit === 'string' && explicit !== '') return explicit;
  return generatedPhysicalName(context.stackName, context.logicalId, rules);
}

function safeResolve(context: ProvisionContext, value: unknown): unknown {
  if (value === undefined) return undefined;
  try {
    return context.resolve(value);
  } catch {
    return undefined;
  }
}

function arn(pseudo: PseudoParameters, service: string, resource: string, region = pseudo.region, account = pseudo.accountId): string {
  return `arn:${pseudo.partition}:${service}:${region}:${account}:${resource}`;
}

function shortId(...parts: string[]): string {
  return createHash('sha256').update(parts.join('/')).digest('hex').slice(0, 10);
}

function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

/** An `EventPattern` property (an object, or JSON text already) as the JSON text EventBridge takes. */
function eventPatternText(pattern: unknown): string | undefined {
  return pattern === undefined ? undefined : typeof pattern === 'string' ? pattern : JSON.stringify(pattern);
}

// ---------------------------------------------------------------------------------------------
// Created in the emulator

async function provisionTable(context: ProvisionContext, global: boolean): Promise<Omit<LocalResource, 'logicalId' | 'type'>> {
  const { properties, clients, log } = context;
  const tableName = physicalName(context, 'TableName', NAME_RULES.dynamodbTable);
  const streamViewType = (properties.StreamSpecification as { StreamViewType?: string } | undefined)?.StreamViewType;
  const billingMode = String(properties.BillingMode ?? (properties.ProvisionedThroughput ? 'PROVISIONED' : 'PAY_PER_REQUEST'));
  const stripIndex = (index: Record<string, unknown>) => {
    const { IndexName, KeySchema, Projection, ProvisionedThroughput } = index;
    return { IndexName, KeySchema, Projection, ...(billingMode === 'PROVISIONED' && ProvisionedThroughput ? { ProvisionedThroughput } : {}) };
  };
  const input = {
    TableName: tableName,
    AttributeDefinitions: properties.AttributeDefinitions,
    KeySchema: properties.KeySchema,
    BillingMode: billingMode,
    ...(billingMode === 'PROVISIONED'
      ? { ProvisionedThroughput: properties.ProvisionedThroughput ?? { ReadCapacityUnits: 5, WriteCapacityUnits: 5 } }
      : {}),
    ...(Array.isArray(properties.GlobalSecondaryIndexes) && properties.GlobalSecondaryIndexes.length > 0
      ? { GlobalSecondaryIndexes: properties.GlobalSecondaryIndexes.map(stripIndex) }
      : {}),
    ...(Array.isArray(properties.LocalSecondaryIndexes) && properties.LocalSecondaryIndexes.length > 0
      ? { LocalSecondaryIndexes: properties.LocalSecondaryIndexes.map(stripIndex) }
      : {}),
    ...(streamViewType ? { StreamSpecification: { StreamEnabled: true, StreamViewType: streamViewType } } : {}),
  } as CreateTableCommandInput;
  try {
    await clients.dynamodb.send(new CreateTableCommand(input));
  } catch (error) {
    if (errorName(error) !== 'ResourceInUseException') throw error;
    log.debug(`table ${tableName} exists; reused with its items`);
  }
  let table = (await clients.dynamodb.send(new DescribeTableCommand({ TableName: tableName }))).Table!;
  if (streamViewType && table.LatestStreamArn === undefined) {
    await clients.dynamodb.send(
      new UpdateTableCommand({ TableName: tableName, StreamSpecification: { StreamEnabled: true, StreamViewType: streamViewType as never } }),
    );
    table = (await clients.dynamodb.send(new DescribeTableCommand({ TableName: tableName }))).Table!;
  }

  const ttl = properties.TimeToLiveSpecification as { AttributeName?: string; Enabled?: unknown } | undefined;
  if (ttl?.AttributeName && isTrue(ttl.Enabled ?? true)) {
    try {
      await clients.dynamodb.send(
        new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true } }),
      );
    } catch (error) {
      if (!/already enabled/i.test(errorMessage(error))) throw error;
    }
    log.debug(`table ${tableName}: TTL on ${ttl.AttributeName} (moto ignores TTL; the runtime's sweeper, ttl-sweeper.ts, expires items)`);
  }
  if (properties.PointInTimeRecoverySpecification !== undefined || (global && properties.Replicas !== undefined)) {
    log.debug(`table ${tableName}: point-in-time recovery, encryption and replicas are not set up locally`);
  }
  return {
    ref: tableName,
    attributes: {
      Arn: table.TableArn,
      StreamArn: table.LatestStreamArn,
      TableId: table.TableId,
    },
  };
}

/** CloudFormation queue properties that are SQS queue attributes of the same name. */
const QUEUE_ATTRIBUTES = [
  'DelaySeconds',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'VisibilityTimeout',
  'FifoQueue',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
  'RedrivePolicy',
  'RedriveAllowPolicy',
] as const;

async function provisionQueue(context: ProvisionContext): Promise<Omit<LocalResource, 'logicalId' | 'type'>> {
  const { properties, clients, log } = context;
  const fifo = isTrue(properties.FifoQueue);
  const queueName = physicalName(context, 'QueueName', fifo ? NAME_RULES.sqsFifoQueue : NAME_RULES.sqsQueue);
  const attributes: Record<string, string> = {};
  for (const name of QUEUE_ATTRIBUTES) {
    const value = properties[name];
    if (value === undefined) continue;
    attributes[name] = typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  if (properties.ReceiveMessageWaitTimeSeconds !== undefined) {
    log.debug(`queue ${queueName}: ReceiveMessageWaitTimeSeconds left at 0 locally (the one-request-at-a-time emulator must not long-poll)`);
  }
  const tags = Array.isArray(properties.Tags)
    ? Object.fromEntries((properties.Tags as Array<{ Key: string; Value: string }>).map((tag) => [tag.Key, String(tag.Value)]))
    : undefined;

  let queueUrl: string;
  try {
    queueUrl = (await clients.sqs.send(new CreateQueueCommand({ QueueName: queueName, Attributes: attributes, ...(tags ? { tags } : {}) })))
      .QueueUrl!;
  } catch (error) {
    if (!/QueueAlreadyExists|QueueNameExists/.test(errorName(error) + errorMessage(error))) throw error;
    queueUrl = (await clients.sqs.send(new GetQueueUrlCommand({ QueueName: queueName }))).QueueUrl!;
    const { FifoQueue: _fifo, ...changeable } = attributes;
    if (Object.keys(changeable).length > 0) {
      await clients.sqs.send(new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: changeable }));
    }
    log.debug(`queue ${queueName} exists; attributes updated, messages kept`);
  }
  const described = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn' as QueueAttributeName] }),
  );
  return {
    ref: queueUrl,
    attributes: { Arn: described.Attributes?.QueueArn, QueueName: queueName, QueueUrl: queueUrl },
  };
}

async function provisionQueuePolicy(context: ProvisionContext): Promise<Omit<LocalResource, 'logicalId' | 'type'>> {
  const { properties, clients } = context;
  const queues = (properties.Queues as string[] | undefined) ?? (typeof properties.Queue === 'string' ? [properties.Queue] : []);
  const policy = JSON.stringify(properties.PolicyDocument);
  for (const queueUrl of queues) {
    await clients.sqs.send(new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: { Policy: policy } }));
  }
  return { ref: context.logicalId, attributes: { Id: context.logicalId } };
}

async function provisionEventBus(context: ProvisionContext): Promise<Omit<LocalResource, 'logicalId' | 'type'>> {
  const { clients, log } = context;
  const name = physicalName(context, 'Name', NAME_RULES.eventBus);
  let busArn: string | undefined;
  try {
    busArn = (await clients.eventbridge.send(new CreateEventBusCommand({ Name: name }))).EventBusArn;
  } catch (error) {
    if (errorName(error) !== 'ResourceAlreadyExistsException') throw error;
    log.debug(`event bus ${name} exists; reused`);
  }
  busArn ??= (await clients.eventbridge.send(new DescribeEventBusCommand({ Name: name }))).Arn;
  return { ref: name, attributes: { Arn: busArn, Name: name } };
}

async function provisionArchive(context: ProvisionContext): Promise<Omit<LocalResource, 'logicalId' | 'type'>> {
  const { properties, clients, log } = context;
  const name = physicalName(context, 'ArchiveName', NAME_RULES.eventArchive);
  const eventPattern = eventPatternText(properties.EventPattern);
  const common = {
    ArchiveName: name,
    ...(eventPattern !== undefined ? { EventPattern: eventPattern } : {}),
    ...(properties.RetentionDays !== undefined ? { RetentionDays: Number(properties.RetentionDays) } : {}),
    ...(typeof properties.Description === 'string' ? { Description: properties.Description } : {}),
  };
  let archiveArn: string | undefined;
  try {
    archiveArn = (await clients.eventbridge.send(new CreateArchiveCommand({ ...common, EventSourceArn: String(properties.SourceArn) })))
      .ArchiveArn;
  } catch (error) {
    if (errorName(error) === 'ResourceAlreadyExistsException') {
      archiveArn = (await clients.eventbridge.send(new UpdateArchiveCommand(common))).ArchiveArn;
      archiveArn ??= (await clients.eventbridge.send(new DescribeArchiveCommand({ ArchiveName: name }))).ArchiveArn;
    } else if (/not (yet )?implemented|UnknownOperation|InvalidAction/i.test(`${errorName(error)} ${errorMessage(error)}`)) {
      log.debug(`archive ${name}: the emulator has no EventBridge archives; skipped`);
    } else {
      throw error;
    }
  }
  return { ref: name, attributes: { Arn: archiveArn ?? arn(context.pseudo, 'events', `archive/${name}`), ArchiveName: name } };
}

/** Target services moto delivers to; anything else is skipped with a warning. */
const DELIVERABLE_TARGET_SERVICES = new Set(['sqs', 'logs', 'events']);

async function provisionRule(context: ProvisionContext): Promise<Omit<LocalResource, 'logicalId' | 'type'>> {
  const { properties, clients, log, logicalId } = context;
  const name = physicalName(context, 'Name', NAME_RULES.eventRule);
  const busProperty = typeof properties.EventBusName === 'string' ? properties.EventBusName : 'default';
  // EventBusName may be a name or an ARN (…:event-bus/<name>).
  const busName = busProperty.startsWith('arn:') ? busProperty.slice(busProperty.indexOf('event-bus/') + 'event-bus/'.length) : busProperty;
  const eventPattern = eventPatternText(properties.EventPattern);
  const ruleArn = (
    await clients.eventbridge.send(
      new PutRuleCommand({
        Name: name,
        EventBusName: busName,
        ...(eventPattern !== undefined ? { EventPattern: eventPattern } : {}),
        ...(typeof properties.ScheduleExpression === 'string' ? { ScheduleExpression: properties.ScheduleExpression } : {}),
        State: (properties.State as 'ENABLED' | 'DISABLED' | undefined) ?? 'ENABLED',
        ...(typeof properties.Description === 'string' ? { Description: properties.Description } : {}),
      }),
    )
  ).RuleArn;
  const deviations = motoDeviationsFor(properties.EventPattern);
  if (deviations.length > 0) {
    log.warn(
      `rule ${logicalId}: the emulator (moto) matches EventBridge rules and may answer otherwise than AWS for this pattern: ` +
        `${deviations.map((deviation) => `${deviation.id} (moto ${deviation.moto})`).join('; ')}. See local/README.md, "EventBridge rules".`,
    );
  }
  if (typeof properties.ScheduleExpression === 'string') {
    log.warn(`rule ${logicalId} has a schedule (${properties.ScheduleExpression}); the emulator does not fire scheduled rules`);
  }

  const targets: Target[] = [];
  for (const target of (properties.Targets as Array<Record<string, unknown>> | undefined) ?? []) {
    const service = String(target.Arn).split(':')[2];
    if (!DELIVERABLE_TARGET_SERVICES.has(service ?? '')) {
      log.warn(`rule ${logicalId}: target ${String(target.Id)} (${String(target.Arn)}) is a ${service} target, which the emulator does not deliver to; skipped`);
      continue;
    }
    const { Id, Arn, Input, InputPath, InputTransformer, SqsParameters } = target;
    targets.push({ Id, Arn, Input, InputPath, InputTransformer, SqsParameters } as Target);
    if (InputPath !== undefined || target.DeadLetterConfig !== undefined || target.RetryPolicy !== undefined) {
      log.debug(`rule ${logicalId}: target ${String(Id)}: moto ignores InputPath, DeadLetterConfig and RetryPolicy`);
    }
  }
  if (targets.length > 0) {
    const answer = await clients.eventbridge.send(new PutTargetsCommand({ Rule: name, EventBusName: busName, Targets: targets }));
    for (const failure of answer.FailedEntries ?? []) {
      log.warn(`rule ${logicalId}: target ${failure.TargetId} not added: ${failure.ErrorCode} ${failure.ErrorMessage}`);
    }
  }
  return {
    ref: busName === 'default' ? name : `${busName}|${name}`,
    attributes: { Arn: ruleArn ?? arn(context.pseudo, 'events', `rule/${busName}/${name}`) },
  };
}

// ---------------------------------------------------------------------------------------------
// Run in this process, or nothing to do: values only

function lambdaFunctionValues(context: ProvisionContext): Omit<LocalResource, 'logicalId' | 'type'> {
  const name = physicalName(context, 'FunctionName', NAME_RULES.lambdaFunction);
  return { ref: name, attributes: { Arn: arn(context.pseudo, 'lambda', `function:${name}`) } };
}

function roleValues(context: ProvisionContext): Omit<LocalResource, 'logicalId' | 'type'> {
  const name = physicalName(context, 'RoleName', { ...NAME_RULES.generic, maxLength: 64 });
  return {
    ref: name,
    attributes: { Arn: `arn:${context.pseudo.partition}:iam::${context.pseudo.accountId}:role/${name}`, RoleId: `AROA${shortId(name).toUpperCase()}` },
  };
}

function logGroupValues(context: ProvisionContext): Omit<LocalResource, 'logicalId' | 'type'> {
  const name = physicalName(context, 'LogGroupName', { maxLength: 512, allowed: /[A-Za-z0-9_\-/.#]/ });
  return { ref: name, attributes: { Arn: arn(context.pseudo, 'logs', `log-group:${name}:*`) } };
}

function namedValues(context: ProvisionContext): Omit<LocalResource, 'logicalId' | 'type'> {
  const name = generatedPhysicalName(context.stackName, context.logicalId, NAME_RULES.generic);
  const service = context.resource.Type.split('::')[1]?.toLowerCase() ?? 'unknown';
  return { ref: name, attributes: { Arn: arn(context.pseudo, service, name) } };
}

const unknownType: ResourceTypeHandler = {
  kind: 'not-needed',
  provision(context) {
    context.log.warn(
      `${context.resource.Type} (${context.logicalId}) is a resource type the local runtime does not know: it is skipped, ` +
        `and references to it get placeholder values. Teach local/resources.ts about it if the service needs it locally.`,
    );
    return namedValues(context);
  },
};

const notNeeded: ResourceTypeHandler = { kind: 'not-needed', provision: namedValues };

const RESOURCE_TYPES: Record<string, ResourceTypeHandler> = {
  'AWS::DynamoDB::Table': { kind: 'created', resolvesProperties: true, provision: (context) => provisionTable(context, false) },
  'AWS::DynamoDB::GlobalTable': { kind: 'created', resolvesProperties: true, provision: (context) => provisionTable(context, true) },
  'AWS::SQS::Queue': { kind: 'created', resolvesProperties: true, provision: provisionQueue },
  'AWS::SQS::QueuePolicy': { kind: 'created', resolvesProperties: true, provision: provisionQueuePolicy },
  'AWS::SQS::QueueInlinePolicy': { kind: 'created', resolvesProperties: true, provision: provisionQueuePolicy },
  'AWS::Events::EventBus': { kind: 'created', resolvesProperties: true, provision: provisionEventBus },
  'AWS::Events::Archive': { kind: 'created', resolvesProperties: true, provision: provisionArchive },
  'AWS::Events::Rule': { kind: 'created', resolvesProperties: true, provision: provisionRule },

  'AWS::Lambda::Function': { kind: 'in-process', provision: lambdaFunctionValues },
  'AWS::Lambda::EventSourceMapping': {
    kind: 'in-process',
    provision: (context) => ({ ref: shortId(context.stackName, context.logicalId), attributes: { Id: shortId(context.stackName, context.logicalId) } }),
  },
  'AWS::ApiGateway::RestApi': {
    kind: 'in-process',
    provision: (context) => ({
      ref: shortId(context.stackName, context.logicalId),
      attributes: { RestApiId: shortId(context.stackName, context.logicalId), RootResourceId: shortId(context.stackName, context.logicalId, 'root') },
    }),
  },
  'AWS::ApiGateway::Resource': {
    kind: 'in-process',
    provision: (context) => ({ ref: shortId(context.stackName, context.logicalId), attributes: { ResourceId: shortId(context.stackName, context.logicalId) } }),
  },
  'AWS::ApiGateway::Method': { kind: 'in-process', provision: (context) => ({ ref: context.logicalId, attributes: {} }) },
  'AWS::ApiGateway::Stage': {
    kind: 'not-needed',
    provision: (context) => ({ ref: String(safeResolve(context, context.resource.Properties?.StageName) ?? 'prod'), attributes: {} }),
  },
  'AWS::ApiGateway::Deployment': {
    kind: 'not-needed',
    provision: (context) => ({ ref: shortId(context.stackName, context.logicalId), attributes: { DeploymentId: shortId(context.stackName, context.logicalId) } }),
  },
  'AWS::ApiGateway::Account': notNeeded,
  'AWS::IAM::Role': { kind: 'not-needed', provision: roleValues },
  'AWS::IAM::Policy': notNeeded,
  'AWS::IAM::ManagedPolicy': notNeeded,
  'AWS::Logs::LogGroup': { kind: 'not-needed', provision: logGroupValues },
  'AWS::Lambda::Permission': notNeeded,
  'AWS::Lambda::EventInvokeConfig': notNeeded,
  'AWS::Events::EventBusPolicy': notNeeded,
  'AWS::CloudWatch::Alarm': notNeeded,
  'AWS::CloudWatch::Dashboard': notNeeded,
  'AWS::CDK::Metadata': notNeeded,
};

/** Resource types by what the local runtime does with them (for docs and tests). */
export function resourceTypeKinds(): Record<string, ResourceTypeHandler['kind']> {
  return Object.fromEntries(Object.entries(RESOURCE_TYPES).map(([type, handler]) => [type, handler.kind]));
}

