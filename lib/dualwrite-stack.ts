import * as path from 'node:path';
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as events from 'aws-cdk-lib/aws-events';
import { FilterCriteria, FilterRule } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction, NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ChangeDataCapture } from './constructs/change-data-capture';
import { IdempotentEventConsumer } from './constructs/idempotent-event-consumer';
import { createNodejsFunction } from './constructs/internal/lambda-function';
import { OutboxRelay } from './constructs/outbox-relay';
import { OutboxTable } from './constructs/outbox-table';
import { ITEM_READ_WRITE_ACTIONS, grantTableItemActions } from './constructs/table-grants';

const REPO_ROOT = path.resolve(__dirname, '..');
const entry = (relativePath: string): string => path.join(REPO_ROOT, relativePath);

/** The sources the sample service publishes under; the bus archive keeps everything they send. */
export const SERVICE_EVENT_SOURCES = ['dualwrite.orders', 'dualwrite.payments', 'dualwrite.customers'];

/** The HTTP API of DESIGN §8 plus the timeline reads; every route goes to the one API function. */
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
 * Context key turning on API Gateway access logs (`cdk deploy -c dualwrite:apiAccessLogs=true`).
 * Off by default: API Gateway writes logs only through the account-wide CloudWatch role of its
 * region, which this stack would then have to create and own (`cloudWatchRole`), replacing any
 * role the account already has.
 */
export const API_ACCESS_LOGS_CONTEXT_KEY = 'dualwrite:apiAccessLogs';

/**
 * The sample service (DESIGN §1): one table, a bus with an archive, the outbox relay, change data
 * capture of customers, an IAM-authorized REST API in front of one function, and two idempotent
 * consumers sharing one idempotency table. Environment-agnostic: synthesizes with no account.
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

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, { description: 'dualwrite sample service: transactional outbox, listen to yourself, log tailing', ...props });

    // Found from the repository, not the working directory, so the app synthesizes from anywhere
    // (the local runtime builds it in-process).
    const serviceFunctionProps: NodejsFunctionProps = { depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json') };

    this.table = new OutboxTable(this, 'Table');
    const table = this.table.table;

    this.eventBus = new events.EventBus(this, 'EventBus', { eventBusName: `${this.stackName}-events` });
    this.eventBus.archive('Archive', {
      description: 'Every event the service published, for replay',
      eventPattern: { source: SERVICE_EVENT_SOURCES },
      retention: Duration.days(30),
    });

    this.relay = new OutboxRelay(this, 'Relay', { table, eventBus: this.eventBus, functionProps: serviceFunctionProps });

    this.customerChanges = new ChangeDataCapture(this, 'CustomerChanges', {
      table,
      eventBus: this.eventBus,
      entry: entry('lambdas/service/customers/cdc-handler.ts'),
      filterPatterns: [
        FilterCriteria.filter({
          dynamodb: { Keys: { pk: { S: FilterRule.beginsWith('CUSTOMER#') }, sk: { S: FilterRule.isEqual('STATE') } } },
        }),
      ],
      functionProps: serviceFunctionProps,
    });

    this.apiFunction = createNodejsFunction(
      this,
      'ApiFunction',
      { entry: entry('lambdas/service/api/handler.ts'), memorySize: 512, timeout: Duration.seconds(10), serviceName: 'Api' },
      serviceFunctionProps,
      { TABLE_NAME: table.tableName },
    ).function;
    grantTableItemActions(table, this.apiFunction, ITEM_READ_WRITE_ACTIONS);
    this.api = this.createApi(this.apiFunction);

    const consumerFunctionProps: NodejsFunctionProps = { ...serviceFunctionProps, environment: { TABLE_NAME: table.tableName } };
    this.timelineConsumer = new IdempotentEventConsumer(this, 'TimelineConsumer', {
      eventBus: this.eventBus,
      eventPattern: { source: SERVICE_EVENT_SOURCES },
      entry: entry('lambdas/service/timeline/consumer-handler.ts'),
      functionProps: consumerFunctionProps,
    });
    // Listen to yourself: the payments service consumes its own PaymentRequested.
    this.paymentsConsumer = new IdempotentEventConsumer(this, 'PaymentsConsumer', {
      eventBus: this.eventBus,
      eventPattern: { source: ['dualwrite.payments'], detailType: ['PaymentRequested'] },
      entry: entry('lambdas/service/payments/consumer-handler.ts'),
      functionProps: consumerFunctionProps,
      existingIdempotencyTableObj: this.timelineConsumer.idempotencyTable,
    });
    for (const consumer of [this.timelineConsumer, this.paymentsConsumer]) {
      grantTableItemActions(table, consumer.function, ITEM_READ_WRITE_ACTIONS);
    }

    // Keys match docs/internals.md and the local runtime's .local/outputs.json.
    const outputs: Record<string, string> = {
      ApiUrl: this.api.url,
      TableName: table.tableName,
      EventBusName: this.eventBus.eventBusName,
      IdempotencyTableName: this.timelineConsumer.idempotencyTable.tableName,
      RelayDeadLetterQueueUrl: this.relay.deadLetterQueue.queueUrl,
      CdcDeadLetterQueueUrl: this.customerChanges.deadLetterQueue.queueUrl,
      TimelineQueueUrl: this.timelineConsumer.queue.queueUrl,
      TimelineDeadLetterQueueUrl: this.timelineConsumer.deadLetterQueue.queueUrl,
      PaymentsQueueUrl: this.paymentsConsumer.queue.queueUrl,
      PaymentsDeadLetterQueueUrl: this.paymentsConsumer.deadLetterQueue.queueUrl,
    };
    for (const [outputId, value] of Object.entries(outputs)) new CfnOutput(this, outputId, { value });
  }

  private createApi(handler: NodejsFunction): apigateway.RestApi {
    const accessLogs = [true, 'true'].includes(this.node.tryGetContext(API_ACCESS_LOGS_CONTEXT_KEY));
    const api = new apigateway.RestApi(this, 'Api', {
      restApiName: `${this.stackName}-api`,
      endpointTypes: [apigateway.EndpointType.REGIONAL],
      cloudWatchRole: accessLogs,
      deployOptions: {
        stageName: 'prod',
        throttlingRateLimit: 50,
        throttlingBurstLimit: 100,
        ...(accessLogs
          ? {
              accessLogDestination: new apigateway.LogGroupLogDestination(
                new logs.LogGroup(this, 'ApiAccessLogs', { retention: logs.RetentionDays.ONE_MONTH }),
              ),
              accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
            }
          : {}),
      },
      // No route writes without a SigV4 signature: callers need execute-api:Invoke on the API.
      defaultMethodOptions: { authorizationType: apigateway.AuthorizationType.IAM },
      // One invoke permission for the whole API instead of two per method.
      defaultIntegration: new apigateway.LambdaIntegration(handler, { proxy: true, scopePermissionToMethod: false }),
    });
    for (const [method, route] of API_ROUTES) api.root.resourceForPath(route).addMethod(method);
    // RestApi adds an `Endpoint` output of its own; the stack's outputs are exactly the documented ones.
    api.node.tryRemoveChild('Endpoint');
    return api;
  }
}
