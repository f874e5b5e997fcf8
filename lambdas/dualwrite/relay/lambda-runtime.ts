/**
 * Module-scope Powertools utilities and SDK clients of the relay and CDC functions: built once per
 * execution environment, reused by every invocation.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

// Service name, namespace (POWERTOOLS_METRICS_NAMESPACE) and log level come from the environment.
export const logger = new Logger();
export const metrics = new Metrics();
export const tracer = new Tracer();

// A hung connection must not eat the invocation: the relay keeps time to return its checkpoint.
export const eventBridgeClient = tracer.captureAWSv3Client(
  new EventBridgeClient({ requestHandler: { connectionTimeout: 2_000, requestTimeout: 10_000 } }),
);
export const documentClient = DynamoDBDocumentClient.from(tracer.captureAWSv3Client(new DynamoDBClient({})), {
  marshallOptions: { removeUndefinedValues: true },
});
