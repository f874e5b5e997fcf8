import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Token, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, test } from '@jest/globals';
import { buildDualwriteApp } from '../../lib/dualwrite-app';
import { motoDeviationsFor } from '../../local/moto-rule-deviations';
import { ALARM_TOPIC_CONTEXT_KEY, API_GATEWAY_CLOUDWATCH_ROLE_CONTEXT_KEY, DualwriteStack } from '../../lib/dualwrite-stack';
import {
  SKIP_BUNDLING,
  alarmProperties,
  arnOf,
  asList,
  identityPolicyStatements,
  logicalIdOf,
  managedPolicyArnsOfRole,
  permissionsOfRole,
  ref,
  statementsAllowing,
} from './support/templates';

const { app, stack } = buildDualwriteApp({ context: SKIP_BUNDLING });
const template = Template.fromStack(stack);
const resources = template.toJSON().Resources as Record<
  string,
  { Type: string; Properties: Record<string, any>; Metadata: Record<string, string> }
>;

/**
 * The only actions allowed on "*", each with its reason: AWS has no resource-level permission for them.
 * Anything else on "*" fails the permissions tests.
 */
const ACTIONS_WITHOUT_RESOURCE_LEVEL_PERMISSIONS: Record<string, string> = {
  'dynamodb:ListStreams': "Lambda's DynamoDB stream event source lists the table's streams; ListStreams takes no resource ARN",
};

describe('DualwriteStack API', () => {
  const methods = Object.values(resources).filter((resource) => resource.Type === 'AWS::ApiGateway::Method');

  /** `PUT /customers/{customerId}` for a method, rebuilt from the resource tree of the template. */
  function routeOf(method: { Properties: Record<string, any> }): string {
    const parts: string[] = [];
    let parent = method.Properties.ResourceId;
    while (parent?.Ref) {
      const resource = resources[parent.Ref];
      parts.unshift(resource.Properties.PathPart);
      parent = resource.Properties.ParentId;
    }
    return `${method.Properties.HttpMethod} /${parts.join('/')}`;
  }

  test('serves exactly the routes of docs/design.md#http-api', () => {
    expect(methods.map(routeOf).sort()).toEqual(
      [
        'POST /orders',
        'GET /orders/{orderId}',
        'POST /orders/{orderId}/cancel',
        'GET /orders/{orderId}/timeline',
        'POST /orders/{orderId}/payments',
        'GET /payments/{paymentId}',
        'GET /payments/{paymentId}/timeline',
        'PUT /customers/{customerId}',
        'DELETE /customers/{customerId}',
        'GET /customers/{customerId}/timeline',
      ].sort(),
    );
  });

  test('every method requires IAM (SigV4) authorization', () => {
    expect(methods.length).toBeGreaterThan(0);
    for (const method of methods) expect({ route: routeOf(method), auth: method.Properties.AuthorizationType }).toEqual({ route: routeOf(method), auth: 'AWS_IAM' });
  });

  test('every method proxies to the API function', () => {
    for (const method of methods) {
      expect(method.Properties.Integration).toMatchObject({ Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST' });
      expect(JSON.stringify(method.Properties.Integration.Uri)).toContain(logicalIdOf(stack.apiFunction));
    }
  });

  test('is deployed to the prod stage with throttling', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'prod',
      MethodSettings: Match.arrayWith([Match.objectLike({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 })]),
    });
  });

  test('lets API Gateway invoke the API function, from this API only', () => {
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [logicalIdOf(stack.apiFunction), 'Arn'] },
      Principal: 'apigateway.amazonaws.com',
      SourceArn: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([ref(stack.api)])]) }),
    });
  });

  const stage = () => Object.values(template.findResources('AWS::ApiGateway::Stage'))[0];
  const accessLogGroup = stack.node.findChild('ApiAccessLogs');
  const executionLogGroup = stack.node.findChild('ApiExecutionLogs');

  test('writes access logs to its own log group', () => {
    expect(stage().Properties.AccessLogSetting.DestinationArn).toEqual(arnOf(accessLogGroup));
  });

  test('keeps access logs one month', () => {
    expect(template.findResources('AWS::Logs::LogGroup')[logicalIdOf(accessLogGroup)].Properties.RetentionInDays).toBe(30);
  });

  test('access log lines are JSON with the standard fields', () => {
    expect(JSON.parse(stage().Properties.AccessLogSetting.Format)).toMatchObject({ requestId: '$context.requestId', status: '$context.status' });
  });

  test('logs execution errors of every method, without request or response bodies', () => {
    expect(stage().Properties.MethodSettings).toContainEqual(
      expect.objectContaining({ HttpMethod: '*', ResourcePath: '/*', LoggingLevel: 'ERROR', DataTraceEnabled: false }),
    );
  });

  test("creates the stage's execution log group itself, kept one month, before the stage", () => {
    const group = template.findResources('AWS::Logs::LogGroup')[logicalIdOf(executionLogGroup)].Properties;
    expect(group.RetentionInDays).toBe(30);
    expect(JSON.stringify(group.LogGroupName)).toContain('API-Gateway-Execution-Logs_');
    expect(JSON.stringify(group.LogGroupName)).toContain(JSON.stringify(ref(stack.api)));
    expect(asList(stage().DependsOn)).toContain(logicalIdOf(executionLogGroup));
  });

  test("sets API Gateway's account-wide CloudWatch role by default", () => {
    template.resourceCountIs('AWS::ApiGateway::Account', 1);
    template.hasResourceProperties('AWS::ApiGateway::Account', {
      CloudWatchRoleArn: arnOf(stack.api.node.findChild('CloudWatchRole')),
    });
  });

  describe(`${API_GATEWAY_CLOUDWATCH_ROLE_CONTEXT_KEY}=false`, () => {
    const without = Template.fromStack(
      buildDualwriteApp({ context: { ...SKIP_BUNDLING, [API_GATEWAY_CLOUDWATCH_ROLE_CONTEXT_KEY]: 'false' } }).stack,
    );

    test('leaves the account-wide CloudWatch role alone', () => {
      without.resourceCountIs('AWS::ApiGateway::Account', 0);
    });

    test('still writes access logs', () => {
      without.hasResourceProperties('AWS::ApiGateway::Stage', { AccessLogSetting: Match.objectLike({ DestinationArn: Match.anyValue() }) });
    });
  });

  test('the apiGatewayCloudWatchRole prop false leaves the account setting alone', () => {
    const other = new DualwriteStack(new App({ context: SKIP_BUNDLING }), 'Other', { apiGatewayCloudWatchRole: false });
    Template.fromStack(other).resourceCountIs('AWS::ApiGateway::Account', 0);
  });

  test(`refuses a ${API_GATEWAY_CLOUDWATCH_ROLE_CONTEXT_KEY} that is not true or false`, () => {
    expect(() => buildDualwriteApp({ context: { ...SKIP_BUNDLING, [API_GATEWAY_CLOUDWATCH_ROLE_CONTEXT_KEY]: 'no' } })).toThrow(
      /context dualwrite:apiGatewayCloudWatchRole must be true or false, got "no"/,
    );
  });
});

describe('DualwriteStack functions', () => {
  test('are exactly the five of docs/internals.md (no custom-resource functions)', () => {
    const expected = [
      stack.relay.function,
      stack.customerChanges.function,
      stack.apiFunction,
      stack.timelineConsumer.function,
      stack.paymentsConsumer.function,
    ].map(logicalIdOf);
    expect(Object.keys(template.findResources('AWS::Lambda::Function')).sort()).toEqual(expected.sort());
  });

  test('have the construct paths of docs/internals.md', () => {
    const paths = Object.values(template.findResources('AWS::Lambda::Function')).map((fn) => fn.Metadata['aws:cdk:path']);
    expect(paths.sort()).toEqual(
      [
        'Dualwrite/Relay/Function/Resource',
        'Dualwrite/CustomerChanges/Function/Resource',
        'Dualwrite/ApiFunction/Resource',
        'Dualwrite/TimelineConsumer/Function/Resource',
        'Dualwrite/PaymentsConsumer/Function/Resource',
      ].sort(),
    );
  });

  test('no custom resources of any kind', () => {
    const custom = Object.values(resources).filter((r) => r.Type.startsWith('Custom::') || r.Type === 'AWS::CloudFormation::CustomResource');
    expect(custom).toEqual([]);
  });

  test('all run Node.js 22 on ARM64', () => {
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'] });
    }
  });

  test('all have an explicit log group', () => {
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
      expect(fn.Properties.LoggingConfig.LogGroup.Ref).toBeDefined();
    }
  });

  const environmentOf = (construct: Parameters<typeof logicalIdOf>[0]) =>
    template.findResources('AWS::Lambda::Function')[logicalIdOf(construct)].Properties.Environment.Variables;
  const tableRef = ref(stack.table.table);
  const idempotencyRef = ref(stack.timelineConsumer.idempotencyTable);

  test('relay environment', () => {
    expect(environmentOf(stack.relay.function)).toMatchObject({ EVENT_BUS_NAME: ref(stack.eventBus), OUTBOX_TABLE_NAME: tableRef });
  });

  test('CDC environment', () => {
    expect(environmentOf(stack.customerChanges.function)).toMatchObject({ EVENT_BUS_NAME: ref(stack.eventBus), OUTBOX_TABLE_NAME: tableRef });
  });

  test('API environment: the table and the idempotency table', () => {
    expect(environmentOf(stack.apiFunction)).toMatchObject({ TABLE_NAME: tableRef, IDEMPOTENCY_TABLE_NAME: idempotencyRef });
  });

  test('consumers share one idempotency table and know the service table', () => {
    expect(environmentOf(stack.timelineConsumer.function)).toMatchObject({ TABLE_NAME: tableRef, IDEMPOTENCY_TABLE_NAME: idempotencyRef });
    expect(environmentOf(stack.paymentsConsumer.function)).toMatchObject({ TABLE_NAME: tableRef, IDEMPOTENCY_TABLE_NAME: idempotencyRef });
    template.resourceCountIs('AWS::DynamoDB::Table', 2);
  });

  test('the functions that write outbox items (API, payments consumer) know the outbox TTL: 7 days', () => {
    expect(environmentOf(stack.apiFunction).OUTBOX_TTL_SECONDS).toBe(String(7 * 24 * 3600));
    expect(environmentOf(stack.paymentsConsumer.function).OUTBOX_TTL_SECONDS).toBe(String(7 * 24 * 3600));
  });

  test('OUTBOX_TTL_SECONDS is the outbox table\'s outboxTtlSeconds', () => {
    expect(environmentOf(stack.apiFunction).OUTBOX_TTL_SECONDS).toBe(String(stack.table.outboxTtlSeconds));
  });

  test('the functions that write no outbox item have no OUTBOX_TTL_SECONDS', () => {
    for (const fn of [stack.timelineConsumer.function, stack.relay.function, stack.customerChanges.function]) {
      expect(environmentOf(fn).OUTBOX_TTL_SECONDS).toBeUndefined();
    }
  });

  test('the relay gets its retry timing', () => {
    expect(environmentOf(stack.relay.function)).toMatchObject({
      RELAY_BACKOFF_BASE_MS: '50',
      RELAY_BACKOFF_CAP_MS: '5000',
      RELAY_SAFETY_MARGIN_MS: '5000',
      RELAY_MAX_CONCURRENT_CALLS: '10',
      RELAY_PUT_EVENTS_MAX_BYTES: '262144',
    });
  });

  test('every function has the Powertools environment', () => {
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
      expect(fn.Properties.Environment.Variables).toMatchObject({
        POWERTOOLS_SERVICE_NAME: expect.any(String),
        POWERTOOLS_METRICS_NAMESPACE: 'dualwrite',
        POWERTOOLS_LOG_LEVEL: 'INFO',
      });
    }
  });
});

describe('DualwriteStack streams', () => {
  const mappingOf = (construct: Parameters<typeof logicalIdOf>[0]) =>
    Object.values(template.findResources('AWS::Lambda::EventSourceMapping')).find(
      (mapping) => JSON.stringify(mapping.Properties.FunctionName) === JSON.stringify(ref(construct)),
    )!.Properties;

  test('exactly two functions read the table stream (AWS advises at most two)', () => {
    const streamReaders = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')).filter(
      (mapping) => JSON.stringify(mapping.Properties.EventSourceArn) === JSON.stringify({ 'Fn::GetAtt': [logicalIdOf(stack.table.table), 'StreamArn'] }),
    );
    expect(streamReaders).toHaveLength(2);
  });

  test('the relay reads INSERTs of outbox items', () => {
    expect(mappingOf(stack.relay.function).FilterCriteria.Filters.map((f: { Pattern: string }) => JSON.parse(f.Pattern))).toEqual([
      { eventName: ['INSERT'], dynamodb: { Keys: { sk: { S: [{ prefix: 'OUTBOX#' }] } } } },
    ]);
  });

  test('the CDC function reads customer STATE items', () => {
    expect(mappingOf(stack.customerChanges.function).FilterCriteria.Filters.map((f: { Pattern: string }) => JSON.parse(f.Pattern))).toEqual([
      { dynamodb: { Keys: { pk: { S: [{ prefix: 'CUSTOMER#' }] }, sk: { S: ['STATE'] } } } },
    ]);
  });
});

describe('DualwriteStack events', () => {
  test('the bus is named after the stack', () => {
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'Dualwrite-events' });
  });

  test('the bus archive keeps the service sources for 30 days', () => {
    template.hasResourceProperties('AWS::Events::Archive', {
      SourceArn: arnOf(stack.eventBus),
      RetentionDays: 30,
      EventPattern: { source: ['dualwrite.orders', 'dualwrite.payments', 'dualwrite.customers'] },
    });
  });

  test('the timeline consumer receives every service source', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: ref(stack.eventBus),
      EventPattern: { source: ['dualwrite.orders', 'dualwrite.payments', 'dualwrite.customers'] },
      Targets: [Match.objectLike({ Arn: arnOf(stack.timelineConsumer.queue) })],
    });
  });

  test('no rule uses a pattern that the local emulator (moto) matches otherwise than AWS', () => {
    const patterns = Object.values(template.findResources('AWS::Events::Rule')).map((rule) => rule.Properties.EventPattern);
    expect(patterns.length).toBeGreaterThan(0);
    expect(patterns.flatMap((pattern) => motoDeviationsFor(pattern).map((deviation) => deviation.id))).toEqual([]);
  });

  test('the payments consumer receives its own PaymentRequested', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: ref(stack.eventBus),
      EventPattern: { source: ['dualwrite.payments'], 'detail-type': ['PaymentRequested'] },
      Targets: [Match.objectLike({ Arn: arnOf(stack.paymentsConsumer.queue) })],
    });
  });
});

describe('DualwriteStack permissions', () => {
  const statements = identityPolicyStatements(template);
  const isWildcard = (resource: unknown) => asList(resource).includes('*');
  const table = arnOf(stack.table.table);
  const stream = { 'Fn::GetAtt': [logicalIdOf(stack.table.table), 'StreamArn'] };
  const idempotencyTable = arnOf(stack.timelineConsumer.idempotencyTable);
  const functions = {
    relay: stack.relay.function,
    CDC: stack.customerChanges.function,
    API: stack.apiFunction,
    'timeline consumer': stack.timelineConsumer.function,
    'payments consumer': stack.paymentsConsumer.function,
  };
  const permissionsOf = (fn: { role?: IConstruct }) => permissionsOfRole(template, logicalIdOf(fn.role!));
  const logs = (fn: { logGroup: IConstruct }) => ({
    'logs:CreateLogStream': [arnOf(fn.logGroup)],
    'logs:PutLogEvents': [arnOf(fn.logGroup)],
  });
  const streamRead = {
    'dynamodb:DescribeStream': [stream],
    'dynamodb:GetRecords': [stream],
    'dynamodb:GetShardIterator': [stream],
    'dynamodb:ListStreams': ['*'],
  };
  const consume = (queue: IConstruct) =>
    Object.fromEntries(
      ['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueUrl', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'].map((action) => [
        action,
        [arnOf(queue)],
      ]),
    );
  const idempotencyRecords = Object.fromEntries(
    ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'].map((action) => [action, [idempotencyTable]]),
  );

  test('relay: reads the stream, puts events on the bus, marks FAILED (update, put), sends to its DLQ, logs', () => {
    expect(permissionsOf(stack.relay.function)).toEqual({
      ...streamRead,
      'events:PutEvents': [arnOf(stack.eventBus)],
      'dynamodb:UpdateItem': [table],
      'dynamodb:PutItem': [table],
      'sqs:SendMessage': [arnOf(stack.relay.deadLetterQueue)],
      ...logs(stack.relay.function),
    });
  });

  test('CDC: reads the stream, puts events on the bus, puts failure records, sends to its DLQ, logs', () => {
    expect(permissionsOf(stack.customerChanges.function)).toEqual({
      ...streamRead,
      'events:PutEvents': [arnOf(stack.eventBus)],
      'dynamodb:PutItem': [table],
      'sqs:SendMessage': [arnOf(stack.customerChanges.deadLetterQueue)],
      ...logs(stack.customerChanges.function),
    });
  });

  test('API: item reads and the commands\' transactions on the table, idempotency records, logs', () => {
    expect(permissionsOf(stack.apiFunction)).toEqual({
      'dynamodb:GetItem': [table, idempotencyTable],
      'dynamodb:Query': [table],
      'dynamodb:PutItem': [table, idempotencyTable],
      'dynamodb:UpdateItem': [table, idempotencyTable],
      'dynamodb:DeleteItem': [table, idempotencyTable],
      'dynamodb:ConditionCheckItem': [table],
      ...logs(stack.apiFunction),
    });
  });

  test('timeline consumer: its queue, idempotency records, reads and appends timelines (get, update), logs', () => {
    expect(permissionsOf(stack.timelineConsumer.function)).toEqual({
      ...consume(stack.timelineConsumer.queue),
      ...idempotencyRecords,
      'dynamodb:GetItem': [idempotencyTable, table],
      'dynamodb:UpdateItem': [idempotencyTable, table],
      ...logs(stack.timelineConsumer.function),
    });
  });

  test('payments consumer: its queue, idempotency records, puts the payment and its outbox item, checks the order, logs', () => {
    expect(permissionsOf(stack.paymentsConsumer.function)).toEqual({
      ...consume(stack.paymentsConsumer.queue),
      ...idempotencyRecords,
      'dynamodb:PutItem': [idempotencyTable, table],
      'dynamodb:ConditionCheckItem': [table],
      ...logs(stack.paymentsConsumer.function),
    });
  });

  test('no function role has an AWS-managed policy', () => {
    for (const [name, fn] of Object.entries(functions)) {
      expect({ name, managed: managedPolicyArnsOfRole(template, logicalIdOf(fn.role!)) }).toEqual({ name, managed: [] });
    }
  });

  test('every resource a function may act on is a resource of this stack, by ARN (or an exception listed with its reason)', () => {
    const logicalIds = new Set(Object.keys(resources));
    const namesStackResource = (resource: unknown): boolean => {
      const json = JSON.stringify(resource);
      const referenced = [...json.matchAll(/"(?:Ref|Fn::GetAtt)":\s*\[?"([^"]+)"/g)].map((match) => match[1]);
      return referenced.length > 0 && referenced.every((id) => logicalIds.has(id));
    };
    const offenders: string[] = [];
    for (const [name, fn] of Object.entries(functions)) {
      for (const [action, allowedOn] of Object.entries(permissionsOf(fn))) {
        for (const resource of allowedOn) {
          const excused = resource === '*' && action in ACTIONS_WITHOUT_RESOURCE_LEVEL_PERMISSIONS;
          if (!excused && !namesStackResource(resource)) offenders.push(`${name}: ${action} on ${JSON.stringify(resource)}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  test('no identity policy allows an action on "*" but those without resource-level permissions', () => {
    const onAnyResource = statements.filter((s) => s.Effect === 'Allow' && isWildcard(s.Resource)).flatMap((s) => asList(s.Action));
    expect(onAnyResource.filter((action) => !(action in ACTIONS_WITHOUT_RESOURCE_LEVEL_PERMISSIONS))).toEqual([]);
  });

  test('no identity policy allows a wildcard action', () => {
    const actions = statements.filter((s) => s.Effect === 'Allow').flatMap((s) => asList(s.Action));
    expect(actions.filter((action) => action.includes('*'))).toEqual([]);
  });

  test('only the relay and the CDC function may put events, on the bus only', () => {
    for (const fn of [stack.relay.function, stack.customerChanges.function]) {
      expect(statementsAllowing(template, logicalIdOf(fn.role!), 'events:PutEvents').map((s) => s.Resource)).toEqual([arnOf(stack.eventBus)]);
    }
    const putters = statements.filter((s) => s.Effect === 'Allow' && asList(s.Action).includes('events:PutEvents'));
    expect(putters).toHaveLength(2);
  });
});

describe('DualwriteStack encryption at rest', () => {
  test('every table is encrypted with the AWS-managed key', () => {
    const tables = Object.values(template.findResources('AWS::DynamoDB::Table'));
    expect(tables.map((t) => t.Properties.SSESpecification)).toEqual(tables.map(() => ({ SSEEnabled: true })));
  });

  test('every queue (queues and dead-letter queues) is encrypted with SQS-managed keys', () => {
    const queues = Object.values(template.findResources('AWS::SQS::Queue'));
    expect(queues).toHaveLength(6);
    for (const queue of queues) expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
  });
});

describe('DualwriteStack cdk-nag AwsSolutions checks', () => {
  const violations = new AwsSolutionsChecks(app, { verbose: true }).validateScope(app).violations;

  test('no unacknowledged AwsSolutions error', () => {
    expect(violations.filter((v) => v.severity === 'error')).toEqual([]);
  });

  test('no unacknowledged AwsSolutions warning', () => {
    expect(violations.filter((v) => v.severity === 'warning')).toEqual([]);
  });

  test('no finding with the alarm topic created', () => {
    const { app: other } = buildDualwriteApp({ context: { ...SKIP_BUNDLING, [ALARM_TOPIC_CONTEXT_KEY]: 'create' } });
    expect(new AwsSolutionsChecks(other).validateScope(other).violations).toEqual([]);
  });

  test('no finding without the account-wide CloudWatch role', () => {
    const { app: other } = buildDualwriteApp({ context: { ...SKIP_BUNDLING, [API_GATEWAY_CLOUDWATCH_ROLE_CONTEXT_KEY]: 'false' } });
    expect(new AwsSolutionsChecks(other).validateScope(other).violations).toEqual([]);
  });

  test('the app runs the checks on synth: an unacknowledged finding fails it', () => {
    const { app: other, stack: otherStack } = buildDualwriteApp({ stackName: 'Unchecked', context: SKIP_BUNDLING });
    new sqs.Queue(otherStack, 'PlainQueue', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    expect(() => other.synth()).toThrow(/AwsSolutions-SQS4/);
  });

  test('the acknowledgments are exactly these, each on the construct it concerns (docs/internals.md lists them)', () => {
    const acknowledged: string[] = [];
    for (const construct of app.node.findAll()) {
      for (const entry of construct.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const id of Object.keys(entry.data as Record<string, string>)) {
          acknowledged.push(`${construct.node.path} ${id.replace(/^annotation::/i, '')}`);
        }
      }
    }
    const functionPaths = ['Relay/Function', 'CustomerChanges/Function', 'ApiFunction', 'TimelineConsumer/Function', 'PaymentsConsumer/Function'];
    const methodPaths = Object.values(resources)
      .filter((resource) => resource.Type === 'AWS::ApiGateway::Method')
      .map((resource) => resource.Metadata['aws:cdk:path'].replace(/\/Resource$/, ''));
    expect(acknowledged.sort()).toEqual(
      [
        ...functionPaths.map((fn) => `Dualwrite/${fn} AwsSolutions-L1`),
        'Dualwrite/Relay/DeadLetterQueue AwsSolutions-SQS3',
        'Dualwrite/CustomerChanges/DeadLetterQueue AwsSolutions-SQS3',
        'Dualwrite/Relay/FunctionRole/DefaultPolicy AwsSolutions-IAM5[Resource::*]',
        'Dualwrite/CustomerChanges/FunctionRole/DefaultPolicy AwsSolutions-IAM5[Resource::*]',
        'Dualwrite/Api/Resource AwsSolutions-APIG2',
        'Dualwrite/Api/DeploymentStage.prod AwsSolutions-APIG3',
        'Dualwrite/Api/CloudWatchRole AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        ...methodPaths.map((method) => `${method} AwsSolutions-COG4`),
      ].sort(),
    );
  });

  test('docs/internals.md lists every acknowledged rule', () => {
    const internals = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'internals.md'), 'utf8');
    for (const id of ['AwsSolutions-L1', 'AwsSolutions-SQS3', 'AwsSolutions-IAM5[Resource::*]', 'AwsSolutions-APIG2', 'AwsSolutions-APIG3', 'AwsSolutions-IAM4', 'AwsSolutions-COG4']) {
      expect(internals).toContain(id);
    }
  });
});

describe('DualwriteStack alarms', () => {
  const alarmIds = () => Object.keys(template.findResources('AWS::CloudWatch::Alarm')).sort();

  test('are the relay\'s, the CDC function\'s and the consumers\' (8), all in stack.alarms', () => {
    expect(stack.alarms).toHaveLength(8);
    expect(alarmIds()).toEqual(stack.alarms.map(logicalIdOf).sort());
  });

  test('watch every dead-letter queue', () => {
    const watched = stack.alarms.map((alarm) => alarmProperties(template, alarm)).filter((a) => a.MetricName === 'ApproximateNumberOfMessagesVisible');
    expect(watched.map((a) => a.Dimensions[0].Value).sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)))).toEqual(
      [stack.relay.deadLetterQueue, stack.customerChanges.deadLetterQueue, stack.timelineConsumer.deadLetterQueue, stack.paymentsConsumer.deadLetterQueue]
        .map((queue) => ({ 'Fn::GetAtt': [logicalIdOf(queue), 'QueueName'] }))
        .sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y))),
    );
  });

  test('watch FAILED events of the relay (service Relay) and of CDC (service CustomerChanges)', () => {
    const services = stack.alarms
      .map((alarm) => alarmProperties(template, alarm))
      .filter((a) => a.MetricName === 'EventsFailed')
      .map((a) => a.Dimensions[0].Value);
    expect(services.sort()).toEqual(['CustomerChanges', 'Relay']);
  });

  test('every runbook link names a section of docs/runbook.md', () => {
    const runbook = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'runbook.md'), 'utf8');
    const anchors = new Set(
      [...runbook.matchAll(/^#{2,3} (.+)$/gm)].map((match) =>
        match[1]
          .trim()
          .toLowerCase()
          .replace(/[^a-z0-9 -]/g, '')
          .replace(/ /g, '-'),
      ),
    );
    for (const alarm of stack.alarms) {
      const link = /Runbook: docs\/runbook\.md#([a-z0-9-]+)$/.exec(alarmProperties(template, alarm).AlarmDescription);
      expect(link?.[1] && anchors.has(link[1]) ? link[1] : `missing: ${link?.[1]}`).toBe(link?.[1]);
    }
  });

  test('have no actions by default (no topic)', () => {
    for (const alarm of stack.alarms) expect(alarmProperties(template, alarm).AlarmActions).toBeUndefined();
    template.resourceCountIs('AWS::SNS::Topic', 0);
  });

  describe(`${ALARM_TOPIC_CONTEXT_KEY}=create`, () => {
    const built = buildDualwriteApp({ context: { ...SKIP_BUNDLING, [ALARM_TOPIC_CONTEXT_KEY]: 'create' } }).stack;
    const withTopic = Template.fromStack(built);

    test('every alarm notifies the stack\'s topic', () => {
      for (const alarm of built.alarms) {
        expect(alarmProperties(withTopic, alarm)).toMatchObject({ AlarmActions: [ref(built.alarmTopic!)], OKActions: [ref(built.alarmTopic!)] });
      }
    });

    test('the topic is encrypted with a key of its own', () => {
      withTopic.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.objectLike({ 'Fn::GetAtt': Match.arrayWith(['Arn']) }) });
    });

    test('the key rotates', () => {
      withTopic.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    });

    test('CloudWatch may use the key to publish', () => {
      withTopic.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            }),
          ]),
        },
      });
    });

    test('the topic refuses publishers without TLS', () => {
      withTopic.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
        },
      });
    });

    test('the topic has no subscriptions', () => {
      withTopic.resourceCountIs('AWS::SNS::Subscription', 0);
    });

    test('its ARN is an output', () => {
      withTopic.hasOutput('AlarmTopicArn', { Value: ref(built.alarmTopic!) });
    });
  });

  test(`${ALARM_TOPIC_CONTEXT_KEY}=<topic ARN> notifies that topic`, () => {
    const arn = 'arn:aws:sns:eu-west-1:111111111111:ops';
    const built = buildDualwriteApp({ context: { ...SKIP_BUNDLING, [ALARM_TOPIC_CONTEXT_KEY]: arn } }).stack;
    const other = Template.fromStack(built);
    for (const alarm of built.alarms) expect(alarmProperties(other, alarm).AlarmActions).toEqual([arn]);
  });

  test(`refuses a ${ALARM_TOPIC_CONTEXT_KEY} that is neither create nor an ARN`, () => {
    expect(() => buildDualwriteApp({ context: { ...SKIP_BUNDLING, [ALARM_TOPIC_CONTEXT_KEY]: 'yes' } })).toThrow(
      /context dualwrite:alarmTopic must be "create" or an SNS topic ARN, got "yes"/,
    );
  });
});

describe('DualwriteStack dashboard', () => {
  const body = () => JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0].Properties.DashboardBody);

  test('is the one dashboard, stack.dashboard', () => {
    expect(Object.keys(template.findResources('AWS::CloudWatch::Dashboard'))).toEqual([logicalIdOf(stack.dashboard)]);
  });

  test('shows the state of every alarm', () => {
    for (const alarm of stack.alarms) expect(body()).toContain(logicalIdOf(alarm));
  });

  test('graphs the dead-letter queue depths', () => {
    expect(body()).toContain('ApproximateNumberOfMessagesVisible');
  });

  test('graphs the stream iterator age', () => {
    expect(body()).toContain('IteratorAge');
  });

  test('graphs FAILED events', () => {
    expect(body()).toContain('EventsFailed');
  });

  test('graphs publish lag at p50 and p99', () => {
    expect(body()).toMatch(/PublishLagMs.*p50/);
    expect(body()).toMatch(/PublishLagMs.*p99/);
  });

  test('graphs events published and retried', () => {
    expect(body()).toContain('EventsPublished');
    expect(body()).toContain('EventsRetried');
  });

  test('graphs the average batch fill (no stat rendered: Average is the dashboard default)', () => {
    const entries = [...body().matchAll(/BatchFill[^\]]*/g)].map((match) => match[0]);
    expect(entries).toHaveLength(2);
    for (const entry of entries) expect(entry.includes('stat') ? entry : 'Average').toMatch(/Average/);
  });
});

describe('DualwriteStack outputs and environment', () => {
  test('has exactly the outputs of docs/internals.md', () => {
    expect(Object.keys(template.toJSON().Outputs).sort()).toEqual(
      [
        'ApiUrl',
        'TableName',
        'EventBusName',
        'IdempotencyTableName',
        'RelayDeadLetterQueueUrl',
        'CdcDeadLetterQueueUrl',
        'TimelineQueueUrl',
        'TimelineDeadLetterQueueUrl',
        'PaymentsQueueUrl',
        'PaymentsDeadLetterQueueUrl',
      ].sort(),
    );
  });

  test('outputs name the resources they describe', () => {
    template.hasOutput('TableName', { Value: ref(stack.table.table) });
    template.hasOutput('EventBusName', { Value: ref(stack.eventBus) });
    template.hasOutput('IdempotencyTableName', { Value: ref(stack.timelineConsumer.idempotencyTable) });
    template.hasOutput('RelayDeadLetterQueueUrl', { Value: ref(stack.relay.deadLetterQueue) });
    template.hasOutput('CdcDeadLetterQueueUrl', { Value: ref(stack.customerChanges.deadLetterQueue) });
    template.hasOutput('TimelineQueueUrl', { Value: ref(stack.timelineConsumer.queue) });
    template.hasOutput('TimelineDeadLetterQueueUrl', { Value: ref(stack.timelineConsumer.deadLetterQueue) });
    template.hasOutput('PaymentsQueueUrl', { Value: ref(stack.paymentsConsumer.queue) });
    template.hasOutput('PaymentsDeadLetterQueueUrl', { Value: ref(stack.paymentsConsumer.deadLetterQueue) });
  });

  test('ApiUrl is the prod stage URL of the API', () => {
    const value = JSON.stringify(template.toJSON().Outputs.ApiUrl.Value);
    expect(value).toContain(logicalIdOf(stack.api));
    expect(value).toContain('.execute-api.');
    expect(value).toContain(JSON.stringify(ref(stack.api.deploymentStage)));
    template.hasResourceProperties('AWS::ApiGateway::Stage', { StageName: 'prod' });
  });

  test('is environment-agnostic (no account or region lookups)', () => {
    expect(Token.isUnresolved(stack.account)).toBe(true);
    expect(Token.isUnresolved(stack.region)).toBe(true);
  });

  test('stackName names the stack and the bus', () => {
    const { stack: other } = buildDualwriteApp({ stackName: 'Other', context: SKIP_BUNDLING });
    expect(other.stackName).toBe('Other');
    Template.fromStack(other).hasResourceProperties('AWS::Events::EventBus', { Name: 'Other-events' });
  });
});
