import * as path from 'node:path';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { grantTableItemActions, IdempotentEventConsumer, ITEM_READ_WRITE_ACTIONS, OutboxRelay, OutboxTable } from 'dualwrite/cdk';

export class InventoryStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const outbox = new OutboxTable(this, 'Outbox', { removalPolicy: RemovalPolicy.DESTROY });
    const bus = new events.EventBus(this, 'Bus');
    new OutboxRelay(this, 'Relay', { table: outbox.table, eventBus: bus });

    const projection = new IdempotentEventConsumer(this, 'StockProjection', {
      eventBus: bus,
      eventPattern: { source: ['inventory.reservations'], detailType: ['StockReserved', 'StockReleased'] },
      entry: path.join(__dirname, '..', 'lambdas', 'stock-projection.ts'),
      functionProps: { environment: { TABLE_NAME: outbox.table.tableName } },
    });
    grantTableItemActions(outbox.table, projection.function, ['PutItem']);

    // The command function is the app's own: its own role and log group, nothing AWS-managed.
    const logGroup = new logs.LogGroup(this, 'CommandsLogs', { retention: logs.RetentionDays.ONE_MONTH });
    const role = new iam.Role(this, 'CommandsRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    logs.LogGroupGrants.fromLogGroup(logGroup).write(role);
    const commands = new NodejsFunction(this, 'Commands', {
      entry: path.join(__dirname, '..', 'lambdas', 'commands.ts'),
      runtime: lambda.Runtime.NODEJS_22_X,
      timeout: Duration.seconds(10),
      logGroup,
      role,
      bundling: { minify: true, externalModules: ['@aws-sdk/*'] },
      environment: { TABLE_NAME: outbox.table.tableName, OUTBOX_TTL_SECONDS: String(outbox.outboxTtlSeconds) },
    });
    grantTableItemActions(outbox.table, commands, ITEM_READ_WRITE_ACTIONS);
    Validations.of(commands).acknowledge({ id: 'AwsSolutions-L1', reason: 'Node.js 22, the runtime the dualwrite functions run' });

    const api = new apigateway.RestApi(this, 'Api', {
      cloudWatchRole: false, // the account's API Gateway logging role is set up once per account
      deployOptions: {
        accessLogDestination: new apigateway.LogGroupLogDestination(new logs.LogGroup(this, 'ApiAccessLogs', { retention: logs.RetentionDays.ONE_MONTH })),
        accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
      },
      defaultMethodOptions: { authorizationType: apigateway.AuthorizationType.IAM },
      defaultIntegration: new apigateway.LambdaIntegration(commands),
    });
    for (const [method, route] of [['POST', '/reservations'], ['POST', '/reservations/{id}/release'], ['GET', '/stock/{sku}']] as const) {
      api.root.resourceForPath(route).addMethod(method);
    }
    Validations.of(api).acknowledge(
      { id: 'AwsSolutions-APIG2', reason: 'the function validates each request and answers 400' },
      { id: 'AwsSolutions-APIG3', reason: 'every method requires IAM (SigV4) authorization; add a WAF web ACL for untrusted callers' },
      { id: 'AwsSolutions-COG4', reason: 'callers are AWS principals (IAM authorization), not Cognito users' },
    );
    new CfnOutput(this, 'ApiUrl', { value: api.url });
  }
}
