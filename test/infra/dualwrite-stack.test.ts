import { Token } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, test } from 'vitest';
import { buildDualwriteApp } from '../../lib/dualwrite-app';
import { API_ACCESS_LOGS_CONTEXT_KEY } from '../../lib/dualwrite-stack';
import { SKIP_BUNDLING, arnOf, asList, identityPolicyStatements, logicalIdOf, ref, statementsAllowing } from './support/templates';

const { stack } = buildDualwriteApp({ context: SKIP_BUNDLING });
const template = Template.fromStack(stack);
const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, any> }>;

/** Identity-policy actions that AWS only grants on "*" and that cannot change anything. */
const READ_ONLY_ACTIONS_ON_ANY_RESOURCE = ['dynamodb:ListStreams'];

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

  test('serves exactly the routes of DESIGN §8 and the timelines', () => {
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

  test('has no access logs (and no account-wide CloudWatch role) unless asked', () => {
    template.resourceCountIs('AWS::ApiGateway::Account', 0);
    template.hasResourceProperties('AWS::ApiGateway::Stage', { AccessLogSetting: Match.absent() });
  });

  test(`${API_ACCESS_LOGS_CONTEXT_KEY}=true turns on access logs`, () => {
    const withLogs = Template.fromStack(buildDualwriteApp({ context: { ...SKIP_BUNDLING, [API_ACCESS_LOGS_CONTEXT_KEY]: 'true' } }).stack);
    withLogs.hasResourceProperties('AWS::ApiGateway::Stage', { AccessLogSetting: Match.objectLike({ DestinationArn: Match.anyValue() }) });
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

  test('API environment', () => {
    expect(environmentOf(stack.apiFunction)).toMatchObject({ TABLE_NAME: tableRef });
  });

  test('consumers share one idempotency table and know the service table', () => {
    expect(environmentOf(stack.timelineConsumer.function)).toMatchObject({ TABLE_NAME: tableRef, IDEMPOTENCY_TABLE_NAME: idempotencyRef });
    expect(environmentOf(stack.paymentsConsumer.function)).toMatchObject({ TABLE_NAME: tableRef, IDEMPOTENCY_TABLE_NAME: idempotencyRef });
    template.resourceCountIs('AWS::DynamoDB::Table', 2);
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

  test('no identity policy allows a write action on "*"', () => {
    const onAnyResource = statements.filter((s) => s.Effect === 'Allow' && isWildcard(s.Resource)).flatMap((s) => asList(s.Action));
    expect(onAnyResource.filter((action) => !READ_ONLY_ACTIONS_ON_ANY_RESOURCE.includes(action))).toEqual([]);
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

  test('the API function writes items of the table itself, not its indexes', () => {
    const [statement, ...others] = statementsAllowing(template, logicalIdOf(stack.apiFunction.role!), 'dynamodb:PutItem');
    expect(others).toEqual([]);
    expect(statement.Resource).toEqual(arnOf(stack.table.table));
    expect(asList(statement.Action).sort()).toEqual(
      ['dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'].sort(),
    );
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
