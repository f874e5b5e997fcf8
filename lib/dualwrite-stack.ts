import * as path from 'node:path';
import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { FilterCriteria, FilterRule } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction, NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { RelayMetricName } from '../lambdas/dualwrite/relay/relay-algorithm';
import { CUSTOMER_EVENT_SOURCE } from '../lambdas/service/customers/customer';
import { customerPartitionKey, STATE_SORT_KEY } from '../lambdas/service/keys';
import { ORDER_EVENT_SOURCE } from '../lambdas/service/orders/order';
import { PAYMENT_EVENT_SOURCE } from '../lambdas/service/payments/payment';
import {
  ChangeDataCapture,
  grantTableItemActions,
  IDEMPOTENCY_RECORD_ACTIONS,
  IdempotentEventConsumer,
  ITEM_READ_WRITE_ACTIONS,
  OutboxRelay,
  OutboxTable,
} from '../exports/cdk';
// Beyond the package's API: the sample's own API function and dashboard reuse the constructs' internals.
import { deadLetterQueueDepthMetric, iteratorAgeMetric } from './constructs/internal/alarms';
import { createNodejsFunction } from './constructs/internal/lambda-function';
import type { StreamEventPublisher } from './constructs/internal/stream-publisher';

const REPO_ROOT = path.resolve(__dirname, '..');
const entry = (relativePath: string): string => path.join(REPO_ROOT, relativePath);

/** The sources the sample service publishes under; the bus archive keeps everything they send. */
export const SERVICE_EVENT_SOURCES = [ORDER_EVENT_SOURCE, PAYMENT_EVENT_SOURCE, CUSTOMER_EVENT_SOURCE];

/** The HTTP API of docs/design.md#http-api; every route goes to the one API function. */
const API_ROUTES: ReadonlyArray<readonly [method: string, route: string]> = [
  ['POST', '/orders'],
  ['GET', '/orders/{orderId}'],
  ['POST', '/orders/{orderId}/cancel'],
  ['GET', '/orders/{orderId}/timeline'],
  ['POST', '/orders/{orderId}/payments'],
  ['GET', '/payments/{paymentId}'],
  ['GET', '/payments/{paymentId}/timeline'],
  ['PUT', '/customers/{customerId}'],
  ['DELETE', '/customers/{customerId}'],
  ['GET', '/customers/{customerId}/timeline'],
];

/**
 * Context key (`cdk deploy -c dualwrite:apiGatewayCloudWatchRole=false`) for accounts that already
 * manage API Gateway's account-wide CloudWatch role. API Gateway writes access and execution logs only
 * through the one role set in its account settings for the region (`AWS::ApiGateway::Account`); by
 * default this stack creates that role and sets it (`cloudWatchRole`), replacing whatever role the
 * account had. With `false` the stack leaves the setting alone: logging then needs a role already set.
 */
export const API_GATEWAY_CLOUDWATCH_ROLE_CONTEXT_KEY = 'dualwrite:apiGatewayCloudWatchRole';

/**
 * Context key naming where alarms notify: `create` makes an encrypted SNS topic in the stack (no
 * subscriptions: add yours), an SNS topic ARN uses that topic. Unset: alarms have no actions.
 */
export const ALARM_TOPIC_CONTEXT_KEY = 'dualwrite:alarmTopic';

export interface DualwriteStackProps extends StackProps {
  /**
   * Topic every alarm notifies (ALARM and OK).
   *
   * @default - from the `dualwrite:alarmTopic` context: `create` (a KMS-encrypted topic of the stack),
   * a topic ARN, or unset (alarms without actions)
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Create and set API Gateway's account-wide CloudWatch role for this region (needed for the
   * stage's access and execution logs). `false` for accounts that already manage it.
   *
   * @default - the `dualwrite:apiGatewayCloudWatchRole` context, else true
   */
  readonly apiGatewayCloudWatchRole?: boolean;
}

/**
 * The sample service (docs/design.md#topology): one table, a bus with an archive, the outbox relay, change data
 * capture of customers, an IAM-authorized REST API in front of one function, two idempotent
 * consumers sharing one idempotency table, their alarms and one operations dashboard.
 * Environment-agnostic: synthesizes with no account.
 */
export class DualwriteStack extends Stack {
  public readonly table: OutboxTable;
  public readonly eventBus: events.EventBus;
  public readonly relay: OutboxRelay;
  public readonly customerChanges: ChangeDataCapture;
  public readonly api: apigateway.RestApi;
  public readonly apiFunction: NodejsFunction;
  public readonly timelineConsumer: IdempotentEventConsumer;
  public readonly paymentsConsumer: IdempotentEventConsumer;
  /** The topic alarms notify, if any (`alarmTopic` prop or context). */
  public readonly alarmTopic?: sns.ITopic;
  /** Every alarm of the stack: the relay's, the CDC function's and the consumers'. */
  public readonly alarms: readonly cloudwatch.Alarm[];
  /** Dead-letter queues, iterator age, FAILED events, publish lag and throughput on one page. */
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: DualwriteStackProps = {}) {
    const { alarmTopic: givenAlarmTopic, apiGatewayCloudWatchRole, ...stackProps } = props;
    super(scope, id, { description: 'dualwrite sample service: transactional outbox, listen to yourself, log tailing', ...stackProps });

    // Found from the repository, not the working directory, so the app synthesizes from anywhere
    // (the local runtime builds it in-process).
    const serviceFunctionProps: NodejsFunctionProps = { depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json') };
    this.alarmTopic = givenAlarmTopic ?? this.alarmTopicFromContext();
    const alarmTopic = this.alarmTopic;

    this.table = new OutboxTable(this, 'Table');
    const table = this.table.table;
    const outboxTtl = { OUTBOX_TTL_SECONDS: String(this.table.outboxTtlSeconds) };

    this.eventBus = new events.EventBus(this, 'EventBus', { eventBusName: `${this.stackName}-events` });
    this.eventBus.archive('Archive', {
      description: 'Every event the service published, for replay',
      eventPattern: { source: SERVICE_EVENT_SOURCES },
      retention: Duration.days(30),
    });

    this.relay = new OutboxRelay(this, 'Relay', { table, eventBus: this.eventBus, functionProps: serviceFunctionProps, alarmTopic });

    this.customerChanges = new ChangeDataCapture(this, 'CustomerChanges', {
      table,
      eventBus: this.eventBus,
      entry: entry('lambdas/service/customers/cdc-handler.ts'),
      filterPatterns: [
        FilterCriteria.filter({
          dynamodb: { Keys: { pk: { S: FilterRule.beginsWith(customerPartitionKey('')) }, sk: { S: FilterRule.isEqual(STATE_SORT_KEY) } } },
        }),
      ],
      functionProps: serviceFunctionProps,
      alarmTopic,
    });

    this.timelineConsumer = new IdempotentEventConsumer(this, 'TimelineConsumer', {
      eventBus: this.eventBus,
      eventPattern: { source: SERVICE_EVENT_SOURCES },
      entry: entry('lambdas/service/timeline/consumer-handler.ts'),
      functionProps: { ...serviceFunctionProps, environment: { TABLE_NAME: table.tableName } },
      alarmTopic,
    });
    // Reads a timeline (GetItem) and appends to it under a version guard (UpdateItem).
    grantTableItemActions(table, this.timelineConsumer.function, ['GetItem', 'UpdateItem']);
    const idempotencyTable = this.timelineConsumer.idempotencyTable;

    // Listen to yourself: the payments service consumes its own PaymentRequested.
    this.paymentsConsumer = new IdempotentEventConsumer(this, 'PaymentsConsumer', {
      eventBus: this.eventBus,
      eventPattern: { source: [PAYMENT_EVENT_SOURCE], detailType: ['PaymentRequested'] },
      entry: entry('lambdas/service/payments/consumer-handler.ts'),
      functionProps: { ...serviceFunctionProps, environment: { TABLE_NAME: table.tableName, ...outboxTtl } },
      existingIdempotencyTableObj: idempotencyTable,
      alarmTopic,
    });
    // One TransactWriteItems: the payment and its PaymentCaptured (or PaymentRejected) outbox item, guarded puts, and a check of the order.
    grantTableItemActions(table, this.paymentsConsumer.function, ['PutItem', 'ConditionCheckItem']);

    this.apiFunction = createNodejsFunction(
      this,
      'ApiFunction',
      { entry: entry('lambdas/service/api/handler.ts'), memorySize: 512, timeout: Duration.seconds(10), serviceName: 'Api' },
      serviceFunctionProps,
      { TABLE_NAME: table.tableName, IDEMPOTENCY_TABLE_NAME: idempotencyTable.tableName, ...outboxTtl },
    ).function;
    // Reads (GetItem, Query) and the commands' transactions (Put, Update, ConditionCheck; Delete of a customer).
    grantTableItemActions(table, this.apiFunction, ITEM_READ_WRITE_ACTIONS);
    // The `Idempotency-Key` header: Powertools keeps its records in the consumers' idempotency table.
    grantTableItemActions(idempotencyTable, this.apiFunction, IDEMPOTENCY_RECORD_ACTIONS);
    this.api = this.createApi(this.apiFunction, apiGatewayCloudWatchRole ?? this.booleanContext(API_GATEWAY_CLOUDWATCH_ROLE_CONTEXT_KEY, true));

    this.alarms = [...this.relay.alarms, ...this.customerChanges.alarms, ...this.timelineConsumer.alarms, ...this.paymentsConsumer.alarms];
    this.dashboard = this.createDashboard();

    // Keys match docs/internals.md and the local runtime's .local/outputs.json.
    const outputs: Record<string, string> = {
      ApiUrl: this.api.url,
      TableName: table.tableName,
      EventBusName: this.eventBus.eventBusName,
      IdempotencyTableName: idempotencyTable.tableName,
      RelayDeadLetterQueueUrl: this.relay.deadLetterQueue.queueUrl,
      CdcDeadLetterQueueUrl: this.customerChanges.deadLetterQueue.queueUrl,
      TimelineQueueUrl: this.timelineConsumer.queue.queueUrl,
      TimelineDeadLetterQueueUrl: this.timelineConsumer.deadLetterQueue.queueUrl,
      PaymentsQueueUrl: this.paymentsConsumer.queue.queueUrl,
      PaymentsDeadLetterQueueUrl: this.paymentsConsumer.deadLetterQueue.queueUrl,
    };
    for (const [outputId, value] of Object.entries(outputs)) new CfnOutput(this, outputId, { value });
  }

  private booleanContext(key: string, fallback: boolean): boolean {
    const value: unknown = this.node.tryGetContext(key);
    if (value === undefined) return fallback;
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    throw new Error(`context ${key} must be true or false, got ${JSON.stringify(value)}`);
  }

  private alarmTopicFromContext(): sns.ITopic | undefined {
    const value: unknown = this.node.tryGetContext(ALARM_TOPIC_CONTEXT_KEY);
    if (value === undefined) return undefined;
    if (value === 'create') return this.createAlarmTopic();
    if (typeof value === 'string' && value.startsWith('arn:')) return sns.Topic.fromTopicArn(this, 'AlarmTopic', value);
    throw new Error(`context ${ALARM_TOPIC_CONTEXT_KEY} must be "create" or an SNS topic ARN, got ${JSON.stringify(value)}`);
  }

  /**
   * An SNS topic encrypted with a key of its own: CloudWatch can publish to an encrypted topic only
   * if the key policy lets `cloudwatch.amazonaws.com` use the key, which the AWS-managed `aws/sns`
   * key never does.
   */
  private createAlarmTopic(): sns.Topic {
    const key = new kms.Key(this, 'AlarmTopicKey', {
      description: `${this.stackName}: encrypts the alarm topic`,
      enableKeyRotation: true,
      // The key protects notifications in flight only; it goes with the stack, after the shortest wait.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    key.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    const topic = new sns.Topic(this, 'AlarmTopic', { displayName: `${this.stackName} alarms`, masterKey: key, enforceSSL: true });
    new CfnOutput(this, 'AlarmTopicArn', { value: topic.topicArn });
    return topic;
  }

  private createApi(handler: NodejsFunction, cloudWatchRole: boolean): apigateway.RestApi {
    const stageName = 'prod';
    const api = new apigateway.RestApi(this, 'Api', {
      restApiName: `${this.stackName}-api`,
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      cloudWatchRole,
      deployOptions: {
        stageName,
        throttlingRateLimit: 50,
        throttlingBurstLimit: 100,
        accessLogDestination: new apigateway.LogGroupLogDestination(
          new logs.LogGroup(this, 'ApiAccessLogs', { retention: logs.RetentionDays.ONE_MONTH }),
        ),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
        // Execution logs of failures only, and never request or response bodies.
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
      },
      // No route writes without a SigV4 signature: callers need execute-api:Invoke on the API.
      defaultMethodOptions: { authorizationType: apigateway.AuthorizationType.IAM },
      // One invoke permission for the whole API instead of two per method.
      defaultIntegration: new apigateway.LambdaIntegration(handler, { proxy: true, scopePermissionToMethod: false }),
    });
    for (const [method, route] of API_ROUTES) {
      Validations.of(api.root.resourceForPath(route).addMethod(method)).acknowledge({
        id: 'AwsSolutions-COG4',
        reason:
          'The method uses IAM (SigV4) authorization, asserted by the infra tests: callers are AWS principals ' +
          '(services, operators, the e2e tests), not users of a Cognito user pool',
      });
    }
    // RestApi adds an `Endpoint` output of its own; the stack's outputs are exactly the documented ones.
    api.node.tryRemoveChild('Endpoint');

    // API Gateway would create the execution log group itself on the first error, kept forever.
    const executionLogs = new logs.LogGroup(this, 'ApiExecutionLogs', {
      logGroupName: `API-Gateway-Execution-Logs_${api.restApiId}/${stageName}`,
      retention: logs.RetentionDays.ONE_MONTH,
    });
    api.deploymentStage.node.addDependency(executionLogs);

    Validations.of(api.node.defaultChild!).acknowledge({
      id: 'AwsSolutions-APIG2',
      reason:
        'The function validates every request (zod schemas of lambdas/service/http) and answers 400/413/415 in the ' +
        'error shape of docs/design.md#http-api; API Gateway request validation would answer in a shape of its own',
    });
    Validations.of(api.deploymentStage).acknowledge({
      id: 'AwsSolutions-APIG3',
      reason:
        'Regional API whose every method requires IAM (SigV4) authorization and whose stage is throttled ' +
        '(50 req/s, burst 100): unsigned requests are refused before any code runs. Associate a WAFv2 web ACL ' +
        'with the stage when the API is exposed to untrusted callers',
    });
    const role = api.node.tryFindChild('CloudWatchRole');
    if (role !== undefined) {
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          'API Gateway\'s account-wide logging role: the AWS-managed policy is the one AWS documents for it, and ' +
          'the role serves every API of the account and region, so it cannot be scoped to this stack\'s log groups',
      });
    }
    return api;
  }

  private createDashboard(): cloudwatch.Dashboard {
    const publishers = [
      { label: 'relay', publisher: this.relay },
      { label: 'CDC', publisher: this.customerChanges },
    ];
    const deadLetterQueues = [
      { label: 'relay', queue: this.relay.deadLetterQueue },
      { label: 'CDC', queue: this.customerChanges.deadLetterQueue },
      { label: 'timeline', queue: this.timelineConsumer.deadLetterQueue },
      { label: 'payments', queue: this.paymentsConsumer.deadLetterQueue },
    ];
    const perPublisher = (build: (publisher: StreamEventPublisher, label: string) => cloudwatch.IMetric[]) =>
      publishers.flatMap(({ label, publisher }) => build(publisher, label));
    const sum = (publisher: StreamEventPublisher, name: RelayMetricName, label: string) =>
      publisher.metric(name, { statistic: cloudwatch.Stats.SUM, label });
    const width = 8;
    return new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${this.stackName}-${Aws.REGION}`,
      defaultInterval: Duration.hours(3),
      widgets: [
        [new cloudwatch.AlarmStatusWidget({ title: 'Alarms (runbook: docs/runbook.md)', alarms: [...this.alarms], width: 24 })],
        [
          new cloudwatch.GraphWidget({
            title: 'Dead-letter queues: messages visible (max)',
            left: deadLetterQueues.map(({ label, queue }) => deadLetterQueueDepthMetric(queue).with({ label })),
            width,
          }),
          new cloudwatch.GraphWidget({
            title: 'Stream iterator age (max, ms)',
            left: perPublisher((publisher, label) => [
              iteratorAgeMetric(publisher.function).with({ label }),
            ]),
            width,
          }),
          new cloudwatch.GraphWidget({
            title: 'Events FAILED (sum)',
            left: perPublisher((publisher, label) => [sum(publisher, 'EventsFailed', label)]),
            width,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Publish lag: now - occurredAt (ms)',
            left: perPublisher((publisher, label) => [
              publisher.metric('PublishLagMs', { statistic: cloudwatch.Stats.percentile(50), label: `${label} p50` }),
              publisher.metric('PublishLagMs', { statistic: cloudwatch.Stats.percentile(99), label: `${label} p99` }),
            ]),
            width,
          }),
          new cloudwatch.GraphWidget({
            title: 'Events published and retried (sum)',
            left: perPublisher((publisher, label) => [
              sum(publisher, 'EventsPublished', `${label} published`),
              sum(publisher, 'EventsRetried', `${label} retried`),
            ]),
            width,
          }),
          new cloudwatch.GraphWidget({
            title: 'Batch fill: entries per PutEvents (avg)',
            left: perPublisher((publisher, label) => [publisher.metric('BatchFill', { statistic: cloudwatch.Stats.AVERAGE, label })]),
            leftYAxis: { min: 0, max: 10 },
            width,
          }),
        ],
      ],
    });
  }
}
