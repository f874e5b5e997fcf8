import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { anonymousIdentity } from '../../../../local/api-gateway';

export interface ApiCall {
  method: string;
  /** Resource template, e.g. `/orders/{orderId}`. */
  resource: string;
  pathParameters?: Record<string, string>;
  /** An object is sent as JSON; a string as is. */
  body?: unknown;
  headers?: Record<string, string>;
  isBase64Encoded?: boolean;
  requestId?: string;
}

/** A REST API (v1) proxy event as API Gateway builds it for the given call. */
export function apiEvent(call: ApiCall): APIGatewayProxyEvent {
  const pathParameters = call.pathParameters ?? {};
  const path = call.resource.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(pathParameters[name] ?? ''));
  const body = call.body === undefined ? null : typeof call.body === 'string' ? call.body : JSON.stringify(call.body);
  const headers = call.headers ?? (body === null ? {} : { 'Content-Type': 'application/json' });
  return {
    resource: call.resource,
    path,
    httpMethod: call.method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: Object.keys(pathParameters).length === 0 ? null : pathParameters,
    stageVariables: null,
    body,
    isBase64Encoded: call.isBase64Encoded ?? false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'api',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: call.method,
      identity: anonymousIdentity('127.0.0.1', 'test'),
      path: `/prod${path}`,
      stage: 'prod',
      requestId: call.requestId ?? 'request-1',
      requestTimeEpoch: 0,
      resourceId: 'resource',
      resourcePath: call.resource,
    },
  };
}

export interface ParsedResponse {
  statusCode: number;
  headers: Record<string, string | number | boolean>;
  json: any;
}

export function parseResponse(response: APIGatewayProxyResult): ParsedResponse {
  return {
    statusCode: response.statusCode,
    headers: response.headers ?? {},
    json: response.body === '' ? undefined : JSON.parse(response.body),
  };
}

/** A Lambda context as the runtime passes it; the API registers it for the idempotency lock's expiry. */
export function lambdaContext(remainingMillis = 10_000): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'Api',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:000000000000:function:Api',
    memoryLimitInMB: '512',
    awsRequestId: 'aws-request-1',
    logGroupName: '/aws/lambda/Api',
    logStreamName: 'stream',
    getRemainingTimeInMillis: () => remainingMillis,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
