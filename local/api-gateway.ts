/**
 * API Gateway (REST API, Lambda proxy integration) on 127.0.0.1: each request becomes an
 * `APIGatewayProxyEvent` for the function of its route, and the function's result becomes the answer.
 *
 * Authorization: the deployed methods use `AWS_IAM` (SigV4-signed requests). Locally requests are not
 * signed and not checked: the local API trusts every caller that can reach it, which is why it
 * listens on the loopback interface only.
 *
 * API Gateway's own answers are imitated: 403 `{"message":"Missing Authentication Token"}` for a path
 * or method the API does not have, 502 `{"message":"Internal server error"}` when the function fails,
 * times out or answers with something that is not a proxy response, 413 above 10 MB.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayEventIdentity, APIGatewayProxyEvent } from 'aws-lambda';
import { matchRoute, type ApiRouteTable, type RouteMatch } from './api-routes';
import type { FunctionInvoker } from './function-invoker';
import { errorMessage, type RuntimeLog } from './log';

const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

export interface ApiGatewayOptions {
  routes: ApiRouteTable;
  /** The function behind a Lambda proxy integration, by the ARN in its integration URI. */
  functionForArn(functionArn: string): FunctionInvoker | undefined;
  /** @default 3000; 0 picks a free port */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  accountId: string;
  log: RuntimeLog;
}

export interface RunningApiGateway {
  /** `http://127.0.0.1:3000/` */
  url: string;
  port: number;
  stop(): Promise<void>;
}

export class PortInUseError extends Error {
  constructor(readonly port: number, host: string) {
    super(`port ${port} on ${host} is already in use`);
    this.name = 'PortInUseError';
  }
}

export async function startApiGateway(options: ApiGatewayOptions): Promise<RunningApiGateway> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer((request, response) => {
    handle(options, request, response).catch((error: unknown) => {
      options.log.error(`API ${request.method} ${request.url}: ${errorMessage(error)}`);
      if (!response.headersSent) sendGatewayError(response, 500, 'Internal server error', 'InternalServerErrorException');
      else response.destroy();
    });
  });
  await listen(server, options.port ?? 3000, host);
  const { port } = server.address() as AddressInfo;
  let stopping: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}/`,
    port,
    stop: () =>
      (stopping ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => reject(error.code === 'EADDRINUSE' ? new PortInUseError(port, host) : error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

async function handle(options: ApiGatewayOptions, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const requestTime = new Date();
  const body = await readBody(request);
  if (body === 'too-large') {
    sendGatewayError(response, 413, 'Request Too Long', 'RequestTooLongException');
    return;
  }
  const url = new URL(request.url ?? '/', 'http://localhost');
  const httpMethod = (request.method ?? 'GET').toUpperCase();
  const match = matchRoute(options.routes, httpMethod, url.pathname);
  if (match?.method === undefined) {
    options.log.debug(`API ${httpMethod} ${url.pathname}: no such route`);
    sendGatewayError(response, 403, 'Missing Authentication Token', 'MissingAuthenticationTokenException');
    return;
  }

  const { integration } = match.method;
  if (integration.type === 'mock') {
    response.writeHead(integration.statusCode, { 'content-type': 'application/json', ...integration.headers });
    response.end(integration.body ?? '');
    return;
  }
  const fn = integration.type === 'lambda-proxy' ? options.functionForArn(integration.functionArn) : undefined;
  if (fn === undefined) {
    options.log.error(
      `API ${httpMethod} ${match.resource.path}: ${integration.type === 'lambda-proxy' ? `no local function for ${integration.functionArn}` : integration.description} (not supported locally)`,
    );
    sendGatewayError(response, 500, 'Internal server error', 'InternalServerErrorException');
    return;
  }

  const event = toApiGatewayProxyEvent({
    request,
    url,
    body,
    match,
    routes: options.routes,
    accountId: options.accountId,
    requestTime,
  });
  const result = await fn.invoke(event);
  if (!result.ok) {
    sendGatewayError(response, 502, 'Internal server error', 'InternalServerErrorException');
    return;
  }
  const proxyResponse = result.payload as ProxyResult | null;
  if (proxyResponse === null || typeof proxyResponse !== 'object' || !Number.isInteger(Number(proxyResponse.statusCode))) {
    options.log.error(`API ${httpMethod} ${match.resource.path}: ${fn.functionName} returned a malformed Lambda proxy response`);
    sendGatewayError(response, 502, 'Internal server error', 'InternalServerErrorException');
    return;
  }
  writeProxyResponse(response, proxyResponse, event.requestContext.requestId);
}

interface ProxyResult {
  statusCode: number | string;
  headers?: Record<string, string | number | boolean>;
  multiValueHeaders?: Record<string, Array<string | number | boolean>>;
  body?: string;
  isBase64Encoded?: boolean;
}

function writeProxyResponse(response: ServerResponse, result: ProxyResult, requestId: string): void {
  const headers: Record<string, string[]> = {};
  const add = (name: string, value: unknown) => (headers[name.toLowerCase()] ??= []).push(String(value));
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) for (const value of values) add(name, value);
  for (const [name, value] of Object.entries(result.headers ?? {})) {
    if (headers[name.toLowerCase()] === undefined) add(name, value);
  }
  headers['content-type'] ??= ['application/json'];
  headers['x-amzn-requestid'] = [requestId];
  const body = result.body === undefined || result.body === null ? Buffer.alloc(0)
    : result.isBase64Encoded ? Buffer.from(result.body, 'base64')
    : Buffer.from(String(result.body), 'utf8');
  headers['content-length'] = [String(body.length)];
  response.writeHead(Number(result.statusCode), headers);
  response.end(body);
}

function sendGatewayError(response: ServerResponse, statusCode: number, message: string, errorType: string): void {
  const body = JSON.stringify({ message });
  response.writeHead(statusCode, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': randomUUID(),
    'x-amzn-errortype': errorType,
  });
  response.end(body);
}

async function readBody(request: IncomingMessage): Promise<Buffer | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_PAYLOAD_BYTES) return 'too-large';
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export interface ProxyEventInput {
  request: Pick<IncomingMessage, 'method' | 'rawHeaders' | 'httpVersion'> & { socket: { remoteAddress?: string; localPort?: number } };
  url: URL;
  body: Buffer;
  match: RouteMatch;
  routes: Pick<ApiRouteTable, 'apiId' | 'stageName'>;
  accountId: string;
  requestTime: Date;
}

/** The REST API (v1) Lambda proxy event for one request, as API Gateway builds it. */
export function toApiGatewayProxyEvent(input: ProxyEventInput): APIGatewayProxyEvent {
  const { request, url, match, routes } = input;
  const httpMethod = (request.method ?? 'GET').toUpperCase();
  const sourceIp = (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');

  const multiValueHeaders: Record<string, string[]> = {};
  for (let index = 0; index < request.rawHeaders.length; index += 2) {
    (multiValueHeaders[request.rawHeaders[index]!] ??= []).push(request.rawHeaders[index + 1]!);
  }
  const forwarded: Record<string, string> = {
    'X-Forwarded-For': sourceIp,
    'X-Forwarded-Port': String(request.socket.localPort ?? 80),
    'X-Forwarded-Proto': 'http',
  };
  for (const [name, value] of Object.entries(forwarded)) {
    if (!Object.keys(multiValueHeaders).some((existing) => existing.toLowerCase() === name.toLowerCase())) multiValueHeaders[name] = [value];
  }
  const headers = lastValues(multiValueHeaders);

  const multiValueQueryStringParameters: Record<string, string[]> = {};
  for (const [name, value] of url.searchParams) (multiValueQueryStringParameters[name] ??= []).push(value);
  const hasQuery = Object.keys(multiValueQueryStringParameters).length > 0;
  const hasPathParameters = Object.keys(match.pathParameters).length > 0;

  const requestId = randomUUID();
  const userAgent = headerValue(headers, 'user-agent') ?? null;
  const host = headerValue(headers, 'host') ?? 'localhost';
  const path = decodePath(url.pathname);
  return {
    resource: match.resource.path,
    path,
    httpMethod,
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? lastValues(multiValueQueryStringParameters) : null,
    multiValueQueryStringParameters: hasQuery ? multiValueQueryStringParameters : null,
    pathParameters: hasPathParameters ? { ...match.pathParameters } : null,
    stageVariables: null,
    requestContext: {
      accountId: input.accountId,
      apiId: routes.apiId,
      authorizer: null,
      domainName: host,
      domainPrefix: host.split('.')[0] ?? host,
      extendedRequestId: requestId,
      httpMethod,
      identity: anonymousIdentity(sourceIp, userAgent),
      path: `/${routes.stageName}${path}`,
      protocol: `HTTP/${request.httpVersion ?? '1.1'}`,
      requestId,
      requestTime: apiGatewayRequestTime(input.requestTime),
      requestTimeEpoch: input.requestTime.getTime(),
      resourceId: match.resource.resourceId,
      resourcePath: match.resource.path,
      stage: routes.stageName,
    },
    body: input.body.length > 0 ? input.body.toString('utf8') : null,
    isBase64Encoded: false,
  };
}

/**
 * `requestContext.identity` of a request that carries no credentials: API Gateway knows only the
 * caller's address and user agent. (The deployed methods use AWS_IAM, which would fill in the
 * caller's account, user and ARN; the local API does not check signatures, so it has none.)
 */
export function anonymousIdentity(sourceIp: string, userAgent: string | null): APIGatewayEventIdentity {
  return {
    accessKey: null,
    accountId: null,
    apiKey: null,
    apiKeyId: null,
    caller: null,
    clientCert: null,
    cognitoAuthenticationProvider: null,
    cognitoAuthenticationType: null,
    cognitoIdentityId: null,
    cognitoIdentityPoolId: null,
    principalOrgId: null,
    sourceIp,
    user: null,
    userAgent,
    userArn: null,
  };
}

function lastValues(multi: Record<string, string[]>): Record<string, string> {
  const single: Record<string, string> = {};
  for (const [name, values] of Object.entries(multi)) single[name] = values[values.length - 1]!;
  return single;
}

function headerValue(headers: Record<string, string>, name: string): string | undefined {
  const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

function decodePath(path: string): string {
  try {
    return decodeURI(path);
  } catch {
    return path;
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `09/Apr/2015:12:34:56 +0000` */
function apiGatewayRequestTime(date: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return (
    `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}
